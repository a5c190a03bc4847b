"""The test suite: `make test`. The database comes from DATABASE_URL (SQLite when unset)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-not-secret-liaison-0123456789abcdefghijklmnopqrstuvwxyz"
FIELD_ENCRYPTION_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3Qtc2VjcmV0ISE="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; Argon2 is tested explicitly
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
ALLOWED_HOSTS = ["*"]
if (env("DATABASE_URL") or "").startswith("sqlite") or not env("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}  # noqa: F405
