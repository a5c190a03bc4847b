"""Security settings, lockout and the second factor: the rules in one place."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginAttempt, Role, SecuritySettings


def current_settings() -> SecuritySettings:
    """The live settings row, created from the environment's defaults the first time."""
    obj = SecuritySettings.objects.order_by("pk").first()
    if obj is None:
        obj = SecuritySettings.objects.create(
            profile=settings.SECURITY_PROFILE_DEFAULT,
            lockout_attempts=settings.LOCKOUT_ATTEMPTS_DEFAULT,
            lockout_window_minutes=settings.LOCKOUT_WINDOW_MINUTES_DEFAULT,
            idle_minutes=settings.SESSION_IDLE_MINUTES_DEFAULT,
            absolute_hours=settings.SESSION_ABSOLUTE_HOURS_DEFAULT,
            min_length=12 if settings.SECURITY_PROFILE_DEFAULT == "asvs" else 8,
        )
    return obj


def is_locked_out(*, username: str, ip: str | None) -> bool:
    """Locked when the account has had `lockout_attempts` failures from this address within the
    window (keyed on account and address, so one attacker cannot lock a user out everywhere)."""
    cfg = current_settings()
    since = timezone.now() - timedelta(minutes=cfg.lockout_window_minutes)
    failures = LoginAttempt.objects.filter(username=username.lower(), ip=ip, success=False, at__gte=since).count()
    return failures >= cfg.lockout_attempts


def second_factor_required(user) -> bool:
    if settings.OTP_REQUIRED_FOR_STAFF and user.active_roles():
        return True
    return settings.OTP_REQUIRED_FOR_ADMINS and user.has_role(*Role.ADMIN_KINDS)
