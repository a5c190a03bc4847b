"""The test suite: `make test`. The database comes from DATABASE_URL (SQLite when unset)."""

import os

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
    # A file, not memory, so the live server of the browser tests and WAL mode are exercised as in
    # production; one file per test run, so parallel runs on one machine do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
# Static files straight from the source folders (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Tasks run at once, inside the test, so their effects can be asserted.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
