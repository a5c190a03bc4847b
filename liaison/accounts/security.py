"""Security settings, lockout, password expiry and the second factor: the rules in one place."""

import math
from datetime import datetime, timedelta

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


def request_settings(request) -> SecuritySettings:
    """The settings, read once per request (several middlewares need them)."""
    cfg = getattr(request, "_liaison_security_settings", None)
    if cfg is None:
        cfg = current_settings()
        request._liaison_security_settings = cfg
    return cfg


def _recent_failures(*, username: str, ip: str | None, cfg: SecuritySettings):
    since = timezone.now() - timedelta(minutes=cfg.lockout_window_minutes)
    return LoginAttempt.objects.filter(
        username=username.strip().lower(), ip=ip, success=False, cleared=False, at__gte=since
    )


def locked_until(*, username: str, ip: str | None) -> datetime | None:
    """When the account is locked from this address: the time the lock ends, else None.

    Locked when the account has had `lockout_attempts` failures from this address within the window
    (keyed on account and address, so an attacker elsewhere cannot lock the user out everywhere). The
    lock ends when enough of those failures fall out of the window."""
    cfg = current_settings()
    times = list(
        _recent_failures(username=username, ip=ip, cfg=cfg)
        .order_by("-at")
        .values_list("at", flat=True)[: cfg.lockout_attempts]
    )
    if len(times) < cfg.lockout_attempts:
        return None
    return times[-1] + timedelta(minutes=cfg.lockout_window_minutes)


def is_locked_out(*, username: str, ip: str | None) -> bool:
    return locked_until(username=username, ip=ip) is not None


def minutes_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds() / 60))


def locked_accounts() -> list[dict]:
    """Accounts locked from some address right now, for the security administrator's page."""
    cfg = current_settings()
    since = timezone.now() - timedelta(minutes=cfg.lockout_window_minutes)
    from django.db.models import Count, Max

    rows = (
        LoginAttempt.objects.filter(success=False, cleared=False, at__gte=since)
        .values("username", "ip")
        .annotate(failures=Count("id"), last=Max("at"))
        .filter(failures__gte=cfg.lockout_attempts)
        .order_by("-last")
    )
    return list(rows[:200])


def password_expired(user, cfg: SecuritySettings) -> bool:
    """MLPS level 3 asks for a periodic change; ASVS does not rotate."""
    if cfg.profile != SecuritySettings.Profile.MLPS3 or not cfg.max_age_days:
        return False
    if user.password_changed_at is None:
        return False  # accounts made before the stamp existed; the next change stamps them
    return timezone.now() - user.password_changed_at > timedelta(days=cfg.max_age_days)


def password_change_required(user, cfg: SecuritySettings) -> bool:
    return bool(user.must_change_password) or password_expired(user, cfg)


def second_factor_enrolled(user) -> bool:
    """The user has a confirmed TOTP device (read once per request: cached on the user object)."""
    cached = getattr(user, "_liaison_otp_enrolled", None)
    if cached is None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        cached = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        user._liaison_otp_enrolled = cached
    return cached


def second_factor_required(user) -> bool:
    """Whether the log-in must be completed with a code: the user's roles need it (settings
    OTP_REQUIRED_FOR_STAFF / OTP_REQUIRED_FOR_ADMINS), or the user enrolled a device of their own
    accord: a second factor someone chose protects their account too, so it is always asked for."""
    if settings.OTP_REQUIRED_FOR_STAFF and user.active_roles():
        return True
    if settings.OTP_REQUIRED_FOR_ADMINS and user.has_role(*Role.ADMIN_KINDS):
        return True
    return second_factor_enrolled(user)
