"""Settings shared by every environment. Everything that differs between machines comes from the
environment (12-factor); see `.env.example` for the variables."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "liaison.core",
    "liaison.accounts",
    "liaison.regions",
    "liaison.deputies",
    "liaison.stations",
    "liaison.notifications",
    "liaison.opinions",
    "liaison.proposals",
    "liaison.portal",
    "liaison.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "liaison.core.requestlocal.RequestIPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "liaison.accounts.middleware.SessionTimeoutMiddleware",
    "liaison.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
# SQLite (the embedded default) runs in WAL mode with a busy timeout and IMMEDIATE transactions, so
# concurrent writers wait for each other instead of failing with "database is locked"; they queue on
# a lock file, which hands the turn over at once (SQLite's own wait sleeps up to 100 ms a try).
# Connections persist (DB_CONN_MAX_AGE seconds, on both databases): opening a SQLite connection
# reads the whole schema again, about a millisecond for every request.
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'liaison.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with writers queued on a lock file (liaison/core/db/sqlite/base.py)
    DATABASES["default"]["ENGINE"] = "liaison.core.db.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
        ),
    }
    (BASE_DIR / "var").mkdir(exist_ok=True)
else:
    # Django's PostgreSQL backend, with a health check that asks the server only when its socket says
    # something happened (liaison/core/db/postgresql/base.py)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "liaison.core.db.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any plan above jit_above_cost: for the aggregate pages of this
    # application (reports, boards) compiling took seconds against milliseconds of work. Off unless
    # PG_JIT=true.
    if not env_bool("PG_JIT", False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "work:home"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The rules themselves (length, classes, common passwords, rotation) follow the security profile that
# the security administrator chooses (liaison.accounts.passwords); this validator applies it.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "liaison.accounts.passwords.ProfilePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Defaults of the security settings; the security administrator edits the live values at /work/admin/security/.
SECURITY_PROFILE_DEFAULT = env("SECURITY_PROFILE", "mlps3")  # "mlps3" or "asvs"
LOCKOUT_ATTEMPTS_DEFAULT = env_int("LOCKOUT_ATTEMPTS", 5)
LOCKOUT_WINDOW_MINUTES_DEFAULT = env_int("LOCKOUT_WINDOW_MINUTES", 15)
SESSION_IDLE_MINUTES_DEFAULT = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS_DEFAULT = env_int("SESSION_ABSOLUTE_HOURS", 12)
# Staff whose roles need a second factor (TOTP) before they reach the workspace.
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", False)
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", False)
OTP_TOTP_ISSUER = "Liaison"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS_DEFAULT * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "liaison_language"

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live outside the web root and are served only through views that check permission.
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 2 * 1024 * 1024)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Domain settings ------------------------------------------------------------------------------
# Duty slots must be published at least this many days before they take place (000 §2).
ROSTER_MIN_NOTICE_DAYS = env_int("ROSTER_MIN_NOTICE_DAYS", 7)

# Opinions (DESIGN §4). Reply deadlines in working days on the official calendar; reminders that many
# working days before; a unit may ask for at most this many more working days; contact data of closed
# opinions is deleted after the retention period.
OPINION_REPLY_WORKING_DAYS = env_int("OPINION_REPLY_WORKING_DAYS", 15)
OPINION_REMIND_WORKING_DAYS = env_int("OPINION_REMIND_WORKING_DAYS", 3)
OPINION_MAX_EXTENSION_WORKING_DAYS = env_int("OPINION_MAX_EXTENSION_WORKING_DAYS", 15)
OPINION_CONTACT_RETENTION_DAYS = env_int("OPINION_CONTACT_RETENTION_DAYS", 730)
OPINION_ATTACHMENT_MAX_BYTES = env_int("OPINION_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
OPINION_ATTACHMENTS_MAX = env_int("OPINION_ATTACHMENTS_MAX", 5)
# A phone number given online is confirmed by an SMS code before the opinion is taken.
OPINION_SMS_VERIFICATION = env_bool("OPINION_SMS_VERIFICATION", True)
# Limits per client address on the public pages: opinions sent without a confirmed phone an hour,
# and tracking codes that matched nothing an hour (beyond it every lookup waits). 0 turns one off.
OPINION_SUBMIT_PER_IP_HOUR = env_int("OPINION_SUBMIT_PER_IP_HOUR", 10)
OPINION_TRACK_MISSES_PER_IP_HOUR = env_int("OPINION_TRACK_MISSES_PER_IP_HOUR", 20)
# Suggestions and motions (DESIGN §5–6). A suggestion is answered within 3 calendar months of its
# assignment; an approved extension may move that to at most 6 (003 §24). A 不满意 rating sends it back
# for re-handling at most this many times, each with this many months; reminders this many days ahead.
SUGGESTION_REPLY_MONTHS = env_int("SUGGESTION_REPLY_MONTHS", 3)
SUGGESTION_MAX_MONTHS = env_int("SUGGESTION_MAX_MONTHS", 6)
SUGGESTION_REHANDLING_MAX = env_int("SUGGESTION_REHANDLING_MAX", 1)
SUGGESTION_REHANDLING_MONTHS = env_int("SUGGESTION_REHANDLING_MONTHS", 1)
SUGGESTION_REMIND_DAYS = env_int("SUGGESTION_REMIND_DAYS", 14)
SITE_BASE_URL = env("SITE_BASE_URL", "http://127.0.0.1:8000")
# Administrator entries of the working-day calendar are cached per process this long (liaison.core.deadlines).
CALENDAR_CACHE_SECONDS = env_int("CALENDAR_CACHE_SECONDS", 300)
# Which congress handles each region is cached per process this long (regions.selectors).
REGION_CACHE_SECONDS = env_int("REGION_CACHE_SECONDS", 60)

# --- Personal data at rest (liaison.core.crypto) ----------------------------------------------------
# FIELD_ENCRYPTION_KEY comes from each environment's settings. NATIONAL_CRYPTO (国密) encrypts new values
# with SM4-GCM and computes blind indexes with HMAC-SM3; values written before stay readable. The two
# optional keys are derived from FIELD_ENCRYPTION_KEY (HKDF, separate labels) when unset.
NATIONAL_CRYPTO = env_bool("NATIONAL_CRYPTO", False)
SM4_ENCRYPTION_KEY = env("SM4_ENCRYPTION_KEY")  # 16 bytes, base64
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")  # 32 bytes, base64

# --- Notifications (liaison.notifications) ---------------------------------------------------------
# SMS and e-mail backends (dotted paths). The default writes each message to NOTIFY_OUTBOX_FILE and the
# log, so a demo works offline; e-mail may use Django's mail (EMAIL_HOST…) with
# liaison.notifications.backends.DjangoMailBackend.
SMS_BACKEND = env("SMS_BACKEND", "liaison.notifications.backends.LogBackend")
NOTIFY_EMAIL_BACKEND = env("NOTIFY_EMAIL_BACKEND", "liaison.notifications.backends.LogBackend")
NOTIFY_OUTBOX_FILE = Path(env("NOTIFY_OUTBOX_FILE") or BASE_DIR / "var" / "outbox.log")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_MINUTES = [int(m) for m in env_list("NOTIFY_RETRY_MINUTES", "1,5,30,120")]
NOTIFY_SEND_LEASE_SECONDS = env_int("NOTIFY_SEND_LEASE_SECONDS", 300)
NOTIFY_PENDING_GRACE_SECONDS = env_int("NOTIFY_PENDING_GRACE_SECONDS", 120)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "liaison@localhost")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# SMS verification codes: lifetime, wrong tries, and sending limits per number and per client address.
SMS_CODE_TTL_MINUTES = env_int("SMS_CODE_TTL_MINUTES", 10)
SMS_CODE_MAX_TRIES = env_int("SMS_CODE_MAX_TRIES", 5)
SMS_CODE_INTERVAL_SECONDS = env_int("SMS_CODE_INTERVAL_SECONDS", 60)
SMS_CODE_PER_HOUR = env_int("SMS_CODE_PER_HOUR", 5)
SMS_CODE_PER_DAY = env_int("SMS_CODE_PER_DAY", 10)
SMS_CODE_PER_IP_HOUR = env_int("SMS_CODE_PER_IP_HOUR", 20)
# A fixed code (e.g. 000000) for demonstrations; ignored unless DEBUG is on.
SMS_CODE_FIXED = env("SMS_CODE_FIXED", "")
# Deputies on a published duty slot are reminded this many days before (once per slot).
ROSTER_REMINDER_DAYS = env_int("ROSTER_REMINDER_DAYS", 2)

# --- Background work -----------------------------------------------------------------------------
# Django's tasks API with the database backend: no extra server; `manage.py db_worker` runs them, and
# several workers may run on several machines.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- API ------------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
API_PAGE_MAX = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}


def require_secret(name: str, value: str | None) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production")
    return value
