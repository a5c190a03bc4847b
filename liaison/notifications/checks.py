"""System checks of the outbox settings."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register()
def backends_importable(app_configs=None, **kwargs):
    errors = []
    for name in ("SMS_BACKEND", "NOTIFY_EMAIL_BACKEND"):
        path = getattr(settings, name, "")
        try:
            backend = import_string(path)
        except ImportError as exc:
            errors.append(Error(f"{name}={path!r} cannot be imported: {exc}", id="notifications.E001"))
            continue
        if not callable(getattr(backend, "send", None)):
            errors.append(Error(f"{name}={path!r} has no send(message) method", id="notifications.E002"))
    return errors


@register(deploy=True)
def fixed_code_ignored(app_configs=None, **kwargs):
    if getattr(settings, "SMS_CODE_FIXED", "") and not settings.DEBUG:
        return [
            Warning(
                "SMS_CODE_FIXED is set but ignored: a fixed verification code is for demonstrations with DEBUG on.",
                id="notifications.W001",
            )
        ]
    return []
