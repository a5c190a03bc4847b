"""Development and demo: `make run`. Debug on, a fixed development secret, no second factor forced."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY") or "dev-only-not-secret-liaison-0123456789abcdefghijklmnopqrstuvwxyz"
# 32 bytes, base64: the key that encrypts citizens' contact data in development only.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY") or "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1zZWNyZXQhISE="
# Static files straight from the source folders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
