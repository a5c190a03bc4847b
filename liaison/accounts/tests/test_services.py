"""The account services the demo and the administration pages call: users, roles, settings."""

import pytest

from liaison.accounts import services
from liaison.accounts.models import Role, SecuritySettings, User
from liaison.accounts.security import current_settings
from liaison.core.exceptions import PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog

GOOD = "Good-Pass-2026"


def last_audit(**filters) -> AuditLog:
    return AuditLog.objects.filter(**filters).order_by("-id").first()


def test_user_create_by_system(db):
    user = services.user_create(actor=None, username="zhang", name="张三", password=GOOD)
    assert user.check_password(GOOD)
    assert user.password_changed_at is not None
    assert not user.must_change_password
    row = last_audit(model="accounts.User", action=AuditLog.Action.CREATE)
    assert row.object_id == str(user.pk)
    assert row.after["username"] == "zhang"
    assert "password" not in row.after


def test_user_create_by_system_admin_is_audited_with_actor(world):
    sysadmin = world.users["sysadmin"]
    user = services.user_create(
        actor=sysadmin, username="li", name="李四", password=GOOD, must_change_password=True, reason="new staff"
    )
    assert user.must_change_password
    row = last_audit(model="accounts.User", object_id=str(user.pk))
    assert row.actor == sysadmin and row.reason == "new staff"


@pytest.mark.parametrize("who", ["secadmin", "auditor", "officer"])
def test_only_the_system_admin_creates_users(world, who):
    with pytest.raises(PermissionDenied):
        services.user_create(actor=world.users[who], username="x1", name="x", password=GOOD)
    assert not User.objects.filter(username="x1").exists()


def test_user_create_refuses_duplicate_and_weak_password(world):
    with pytest.raises(services.UsernameTaken):
        services.user_create(actor=None, username="OFFICER", name="x", password=GOOD)
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=None, username="weak", name="x", password="abc")
    assert "password" in exc.value.errors


def test_role_grant_and_revoke(world):
    secadmin, user = world.users["secadmin"], world.users["nobody"]
    role = services.role_grant(
        actor=secadmin, user=user, kind=Role.Kind.LIAISON_OFFICER, region=world.regions["town"], reason="appointed"
    )
    assert role.granted_by == secadmin
    row = last_audit(model="accounts.Role", action=AuditLog.Action.CREATE)
    assert row.after["region"] == world.regions["town"].pk and row.reason == "appointed"
    services.role_revoke(actor=secadmin, role=role, reason="left")
    role.refresh_from_db()
    assert not role.is_active
    row = last_audit(model="accounts.Role", action=AuditLog.Action.UPDATE)
    assert row.before == {"is_active": True} and row.after == {"is_active": False}


def test_role_grant_checks_scope_against_kind(world):
    user = world.users["nobody"]
    with pytest.raises(services.RoleScopeInvalid) as exc:
        services.role_grant(actor=None, user=user, kind=Role.Kind.LIAISON_OFFICER)
    assert "region" in exc.value.errors
    with pytest.raises(services.RoleScopeInvalid) as exc:
        services.role_grant(actor=None, user=user, kind=Role.Kind.SYSTEM_ADMIN, region=world.regions["county"])
    assert "region" in exc.value.errors
    with pytest.raises(services.RoleScopeInvalid):
        services.role_grant(actor=None, user=user, kind=Role.Kind.HANDLING_UNIT, region=world.regions["county"])


def test_role_grant_refuses_self_and_other_admins(world):
    secadmin = world.users["secadmin"]
    with pytest.raises(services.SelfGrantRefused):
        services.role_grant(actor=secadmin, user=secadmin, kind=Role.Kind.AUDIT_ADMIN)
    for who in ("sysadmin", "auditor", "officer"):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=world.users[who], user=world.users["nobody"], kind=Role.Kind.AUDIT_ADMIN)
    # 三员分立: one person never holds two administrator roles.
    with pytest.raises(services.AdminRolesSeparated):
        services.role_grant(actor=secadmin, user=world.users["auditor"], kind=Role.Kind.SYSTEM_ADMIN)
    with pytest.raises(services.RoleAlreadyHeld):
        services.role_grant(
            actor=secadmin, user=world.users["officer"], kind="liaison_officer", region=world.regions["county"]
        )


def test_security_settings_update_is_audited_and_bounded(world):
    secadmin = world.users["secadmin"]
    cfg = services.security_settings_update(actor=secadmin, lockout_attempts=7, reason="policy 2026")
    assert cfg.lockout_attempts == 7 and current_settings().lockout_attempts == 7
    row = last_audit(model="accounts.SecuritySettings")
    assert row.action == AuditLog.Action.SECURITY
    assert row.before == {"lockout_attempts": 5} and row.after == {"lockout_attempts": 7}
    with pytest.raises(ValidationFailed) as exc:
        services.security_settings_update(actor=secadmin, profile=SecuritySettings.Profile.ASVS, min_length=8)
    assert "min_length" in exc.value.errors
    with pytest.raises(PermissionDenied):
        services.security_settings_update(actor=world.users["sysadmin"], lockout_attempts=9)
