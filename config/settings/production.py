"""Production: refuses to start without its secrets; HTTPS, secure cookies, second factor for
administrators."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_int, require_secret

DEBUG = False
SECRET_KEY = require_secret("DJANGO_SECRET_KEY", env("DJANGO_SECRET_KEY"))
FIELD_ENCRYPTION_KEY = require_secret("FIELD_ENCRYPTION_KEY", env("FIELD_ENCRYPTION_KEY"))
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Government intranet sites are not on the public HSTS preload list; preloading is opt-in above.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
