"""Writes to accounts: log-in bookkeeping, users, roles, security settings — each audited.

`actor=None` means the system itself (the demo command, a management command, a migration); a real
actor must hold the permission of the operation (三员分立: each administrator does only their own work).
"""

from datetime import timedelta

import rules
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from liaison.core.audit import audit_record, changed, snapshot
from liaison.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog

from .models import LoginAttempt, Role, SecuritySettings, User
from .passwords import password_history_record, password_recently_used

USER_SECRET_FIELDS = frozenset({"password"})


# --- Errors ---------------------------------------------------------------------------------------
class UsernameTaken(Conflict):
    code = "username_taken"
    message = _("This user name is already taken.")


class RoleScopeInvalid(ValidationFailed):
    code = "role_scope_invalid"
    message = _("The scope does not match the role.")


class RoleAlreadyHeld(Conflict):
    code = "role_already_held"
    message = _("The user already holds this role with this scope.")


class SelfGrantRefused(PermissionDenied):
    code = "self_grant_refused"
    message = _("You cannot grant a role to yourself; another security administrator must do it.")


class AdminRolesSeparated(ValidationFailed):
    code = "admin_roles_separated"
    message = _(
        "The system, security and audit administrator roles must be held by different people;"
        " this user already holds another administrator role."
    )


class SelfDeactivateRefused(PermissionDenied):
    code = "self_deactivate_refused"
    message = _("You cannot deactivate your own account.")


class WrongPassword(ValidationFailed):
    code = "wrong_password"
    message = _("The current password is wrong.")


class PasswordUnchanged(ValidationFailed):
    code = "password_unchanged"
    message = _("The new password must differ from the current one.")


class PasswordRecentlyUsed(ValidationFailed):
    code = "password_recently_used"

    def __init__(self, *, count: int, field: str | None = None):
        message = ngettext(
            "You used this password recently. Choose one that differs from your current password.",
            "You used this password recently. Choose one that differs from your last %(n)d passwords.",
            count,
        ) % {"n": count}
        super().__init__(message, field=field)


def _require(actor, perm: str) -> None:
    if actor is not None and not rules.has_perm(perm, actor):
        raise PermissionDenied()


def _validate_password(password: str, *, user: User | None, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(errors={field: list(exc.messages)}, field=field) from exc


def _user_snapshot(user: User) -> dict:
    return snapshot(user, secret_fields=USER_SECRET_FIELDS)


# --- Log-in bookkeeping ---------------------------------------------------------------------------
def login_attempt_record(*, username: str, ip: str | None, success: bool, user=None) -> bool:
    """Record a log-in attempt. A success clears the earlier failures of this account from this
    address. Returns True when this failure has just locked the account (a LOCKOUT audit row is
    written then)."""
    from .security import current_settings

    key = username.strip().lower()
    with transaction.atomic():
        LoginAttempt.objects.create(username=key, ip=ip, success=success, at=timezone.now())
        audit_record(
            actor=user,
            action=AuditLog.Action.LOGIN if success else AuditLog.Action.LOGIN_FAILED,
            model="accounts.User",
            object_id=user.pk if user else "",
            object_repr=username[:150],
        )
        if success:
            LoginAttempt.objects.filter(username=key, ip=ip, success=False, cleared=False).update(cleared=True)
            return False
        cfg = current_settings()
        since = timezone.now() - timedelta(minutes=cfg.lockout_window_minutes)
        failures = LoginAttempt.objects.filter(username=key, ip=ip, success=False, cleared=False, at__gte=since).count()
        if failures == cfg.lockout_attempts:
            audit_record(
                actor=None,
                action=AuditLog.Action.LOCKOUT,
                model="accounts.User",
                object_id=User.objects.filter(username__iexact=key).values_list("pk", flat=True).first() or "",
                object_repr=username[:150],
                after={"failures": failures, "window_minutes": cfg.lockout_window_minutes, "ip": ip},
            )
            return True
        return False


def logout_record(*, user) -> None:
    audit_record(actor=user, action=AuditLog.Action.LOGOUT, obj=user)


@transaction.atomic
def account_unlock(*, actor, user: User, reason: str = "") -> int:
    """Clear the failed log-ins of an account (from every address). Returns how many were cleared."""
    _require(actor, "accounts.manage_roles")
    key = user.username.lower()
    cleared = LoginAttempt.objects.filter(username=key, success=False, cleared=False).update(cleared=True)
    audit_record(
        actor=actor,
        action=AuditLog.Action.SECURITY,
        obj=user,
        before={"failed_attempts": cleared},
        after={"failed_attempts": 0},
        reason=reason or "unlock",
    )
    return cleared


# --- Users ----------------------------------------------------------------------------------------
@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    name: str,
    password: str,
    phone: str = "",
    email: str = "",
    must_change_password: bool = False,
    reason: str = "",
) -> User:
    """Create an account. The password must satisfy the current security profile. An administrator
    creating an account for someone else passes must_change_password=True, so the person chooses
    their own password at first log-in."""
    _require(actor, "accounts.manage_users")
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("Enter a user name."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(field="username")
    user = User(username=username, name=(name or "").strip(), phone=phone.strip(), email=email.strip())
    _validate_password(password, user=user)
    user.set_password(password)
    user.must_change_password = must_change_password
    try:
        user.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise UsernameTaken(field="username") from exc
    _remember_password(user)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=user, after=_user_snapshot(user), reason=reason)
    return user


@transaction.atomic
def user_update(*, actor, user: User, name: str, phone: str = "", email: str = "", reason: str = "") -> User:
    _require(actor, "accounts.manage_users")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _user_snapshot(user)
    user.name, user.phone, user.email = name.strip(), phone.strip(), email.strip()
    try:
        user.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from exc
    user.save(update_fields=["name", "phone", "email"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=user, before=before, after=_user_snapshot(user), reason=reason
    )
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool, reason: str = "") -> User:
    """Deactivate (the person can no longer log in; their records stay) or reactivate an account."""
    _require(actor, "accounts.manage_users")
    if actor is not None and actor.pk == user.pk and not active:
        raise SelfDeactivateRefused()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions(user)
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=user, before=before, after=_user_snapshot(user), reason=reason
    )
    return user


@transaction.atomic
def user_password_reset(*, actor, user: User, password: str, reason: str = "") -> User:
    """An administrator sets a new initial password; the person must change it at next log-in."""
    _require(actor, "accounts.manage_users")
    user = User.objects.select_for_update().get(pk=user.pk)
    _validate_password(password, user=user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    _remember_password(user)
    _end_sessions(user)
    audit_record(
        actor=actor,
        action=AuditLog.Action.SECURITY,
        obj=user,
        after={"password": "reset", "must_change_password": True},
        reason=reason or "password reset",
    )
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The person changes their own password (required when it has expired or was set by an
    administrator). It may not be one of their last N passwords (security settings; hashes kept in
    PasswordHistory). An administrator's reset is not held to the history: the person must change
    that password at once anyway, and the refusal would tell the administrator an old password."""
    from .security import current_settings

    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise WrongPassword(field="old_password")
    if old_password == new_password:
        raise PasswordUnchanged(field="new_password1")
    _validate_password(new_password, user=user, field="new_password1")
    remembered = current_settings().password_history_count
    if password_recently_used(user, new_password, count=remembered):
        raise PasswordRecentlyUsed(count=remembered, field="new_password1")
    previous = user.password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    _remember_password(user, previous=previous)
    audit_record(actor=user, action=AuditLog.Action.SECURITY, obj=user, after={"password": "changed"})
    return user


def _remember_password(user: User, *, previous: str = "") -> None:
    """Keep the hash of the password just set, for the history rule (see password_change)."""
    from .security import current_settings

    password_history_record(user, count=current_settings().password_history_count, previous=previous)


def _end_sessions(user: User) -> None:
    """Log the user out everywhere: their sessions carry the old password hash, which no longer
    matches (Django checks it on every request), so nothing more is needed for a password change;
    a deactivated user is refused by the authentication backend. This hook stays for clarity."""
    return None


# --- Roles ----------------------------------------------------------------------------------------
SCOPE_FIELDS = ("region", "station", "unit", "person")


def role_scope_check(*, kind: str, region=None, station=None, unit=None, person=None) -> None:
    """The scope must match the kind exactly as the Role check constraint says."""
    if kind not in Role.Kind.values:
        raise ValidationFailed(_("Unknown role."), field="kind")
    needed = Role.SCOPE_FIELD[Role.Kind(kind)]
    given = {"region": region, "station": station, "unit": unit, "person": person}
    errors: dict[str, list[str]] = {}
    for field, value in given.items():
        if field == needed and value is None:
            errors.setdefault(field, []).append(str(_("This role needs this scope.")))
        elif field != needed and value is not None:
            errors.setdefault(field, []).append(str(_("This role does not take this scope; leave it empty.")))
    if errors:
        raise RoleScopeInvalid(errors=errors)


@transaction.atomic
def role_grant(
    *, actor, user: User, kind: str, region=None, station=None, unit=None, person=None, reason: str = ""
) -> Role:
    """Give a user a role with its scope. Only the security administrator may (actor=None: the
    system); nobody grants a role to themself; the three administrator roles stay with different
    people (三员分立)."""
    _require(actor, "accounts.manage_roles")
    if actor is not None and actor.pk == user.pk:
        raise SelfGrantRefused()
    role_scope_check(kind=kind, region=region, station=station, unit=unit, person=person)
    user = User.objects.select_for_update().get(pk=user.pk)
    held = Role.objects.filter(user=user, is_active=True)
    if kind in Role.ADMIN_KINDS and held.filter(kind__in=Role.ADMIN_KINDS).exclude(kind=kind).exists():
        raise AdminRolesSeparated(field="kind")
    if held.filter(kind=kind, region=region, station=station, unit=unit, person=person).exists():
        raise RoleAlreadyHeld(field="kind")
    role = Role(
        user=user,
        kind=kind,
        region=region,
        station=station,
        unit=unit,
        person=person,
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    role.full_clean(exclude=["granted_by"])
    role.save()
    _forget_roles(user)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=role, after=snapshot(role), reason=reason)
    return role


@transaction.atomic
def role_revoke(*, actor, role: Role, reason: str = "") -> Role:
    """End a role. The row stays (inactive) for the record."""
    _require(actor, "accounts.manage_roles")
    role = Role.objects.select_for_update().filter(pk=role.pk).first()
    if role is None:
        raise NotFound()
    if not role.is_active:
        return role
    before = snapshot(role)
    role.is_active = False
    role.save(update_fields=["is_active", "updated_at"])
    _forget_roles(role.user)
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=role, before=before, after=snapshot(role), reason=reason
    )
    return role


def _forget_roles(user: User) -> None:
    for attr in ("_active_roles", "_liaison_scope"):
        if hasattr(user, attr):
            delattr(user, attr)


# --- Security settings ----------------------------------------------------------------------------
SETTINGS_FIELDS = (
    "profile",
    "min_length",
    "max_age_days",
    "lockout_attempts",
    "lockout_window_minutes",
    "idle_minutes",
    "absolute_hours",
    "password_history",
)
PASSWORD_HISTORY_MAX = 24


class SettingsOutOfRange(ValidationFailed):
    code = "security_settings_out_of_range"


@transaction.atomic
def security_settings_update(*, actor, reason: str = "", **values) -> SecuritySettings:
    """Change the live security settings. Values outside safe bounds are refused."""
    from .security import current_settings

    _require(actor, "accounts.manage_security")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown setting."), field=sorted(unknown)[0])
    cfg = SecuritySettings.objects.select_for_update().get(pk=current_settings().pk)
    before = snapshot(cfg)
    for key, value in values.items():
        setattr(cfg, key, value)
    errors: dict[str, list[str]] = {}
    bounds = {
        "min_length": (8, 128),
        "max_age_days": (0, 3650),
        "lockout_attempts": (3, 100),
        "lockout_window_minutes": (1, 1440),
        "idle_minutes": (1, 24 * 60),
        "absolute_hours": (1, 72),
    }
    for key, (low, high) in bounds.items():
        value = getattr(cfg, key)
        if value is None or not low <= value <= high:
            errors[key] = [str(_("Enter a value from %(low)d to %(high)d.") % {"low": low, "high": high})]
    if cfg.password_history is not None and not 0 <= cfg.password_history <= PASSWORD_HISTORY_MAX:
        errors["password_history"] = [
            str(_("Enter a value from %(low)d to %(high)d.") % {"low": 0, "high": PASSWORD_HISTORY_MAX})
        ]
    if cfg.profile == SecuritySettings.Profile.ASVS and cfg.min_length < 12 and "min_length" not in errors:
        errors["min_length"] = [str(_("The ASVS profile needs passwords of at least 12 characters."))]
    if cfg.profile not in SecuritySettings.Profile.values:
        errors["profile"] = [str(_("Unknown profile."))]
    if errors:
        raise SettingsOutOfRange(errors=errors)
    cfg.save()
    before, after = changed(before, snapshot(cfg))
    audit_record(actor=actor, action=AuditLog.Action.SECURITY, obj=cfg, before=before, after=after, reason=reason)
    return cfg


# --- Second factor (TOTP) -------------------------------------------------------------------------
class SecondFactorCodeWrong(ValidationFailed):
    code = "otp_code_wrong"
    message = _("The code is wrong or has expired. Enter the current code from the app.")


def otp_device_pending(*, user: User):
    """The device being enrolled: an unconfirmed TOTP device, kept while the user scans the code so
    that reloading the page does not change the secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, user: User, device, token: str):
    """Confirm the enrolled device with a code from it; it replaces any earlier device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
    if device is None:
        raise NotFound()
    if not device.verify_token(token):
        raise SecondFactorCodeWrong(field="token")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=user,
        action=AuditLog.Action.SECURITY,
        obj=user,
        after={"second_factor": "enrolled", "device": device.pk},
    )
    return device


@transaction.atomic
def otp_reset(*, actor, user: User, reason: str = "") -> int:
    """Remove a user's second-factor devices (a lost phone); they enrol again at next log-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require(actor, "accounts.manage_roles")
    count, _details = TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.SECURITY,
        obj=user,
        before={"second_factor_devices": count},
        after={"second_factor_devices": 0},
        reason=reason or "second factor reset",
    )
    return count


def otp_failure_record(*, user: User) -> None:
    audit_record(
        actor=user,
        action=AuditLog.Action.LOGIN_FAILED,
        obj=user,
        reason="second factor",
    )
