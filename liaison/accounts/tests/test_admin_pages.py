"""The three administrators' pages (三员分立): the role × URL matrix, what each page does, the audit
rows it writes, and the Django admin restricted to the system administrator."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts import services
from liaison.accounts.models import Role, SecuritySettings, User
from liaison.accounts.security import current_settings, is_locked_out
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD

WHO = ["sysadmin", "secadmin", "auditor", "officer", "nobody", "anonymous"]


def pages(world):
    officer = world.users["officer"]
    row = services.role_revoke(actor=None, role=officer.roles.first()).pk and AuditLog.objects.latest("id")
    return {
        "/work/admin/users/": "sysadmin",
        "/work/admin/users/new/": "sysadmin",
        f"/work/admin/users/{officer.pk}/": "sysadmin",
        f"/work/admin/users/{officer.pk}/password/": "sysadmin",
        "/work/admin/roles/": "secadmin",
        f"/work/admin/roles/user/{officer.pk}/": "secadmin",
        "/work/admin/roles/lookup/?type=region&q=甲": "secadmin",
        "/work/admin/security/": "secadmin",
        "/work/admin/audit/": "auditor",
        f"/work/admin/audit/{row.pk}/": "auditor",
        "/admin/": "sysadmin",
        "/admin/accounts/user/": "sysadmin",
    }


@pytest.mark.parametrize("who", WHO)
def test_role_url_matrix(world, client, who):
    """200 for the one role the page belongs to; anonymous → log-in page; any other role → 403."""
    if who != "anonymous":
        client.force_login(world.users[who])
    for url, owner in pages(world).items():
        response = client.get(url)
        if who == owner:
            assert response.status_code == 200, url
        elif who == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith("/accounts/login/"), url
        else:
            assert response.status_code == 403, (url, who)


def post_matrix(world):
    officer = world.users["officer"]
    role = officer.roles.get()
    return {
        f"/work/admin/users/{officer.pk}/active/": ("sysadmin", {"active": "0"}),
        "/work/admin/users/new/": ("sysadmin", {"username": "m1", "name": "m", "password": "Matrix-Pass-2026"}),
        f"/work/admin/roles/{role.pk}/revoke/": ("secadmin", {}),
        "/work/admin/roles/unlock/": ("secadmin", {"username": "officer"}),
        f"/work/admin/roles/user/{officer.pk}/otp-reset/": ("secadmin", {}),
        "/work/admin/security/": ("secadmin", {"profile": "mlps3", "min_length": 9}),
    }


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditor", "officer", "anonymous"])
def test_writes_are_refused_to_other_roles(world, client, who):
    if who != "anonymous":
        client.force_login(world.users[who])
    for url, (owner, data) in post_matrix(world).items():
        if owner == who:
            continue
        before = AuditLog.objects.count()
        response = client.post(url, data)
        assert response.status_code == (302 if who == "anonymous" else 403), (url, who)
        assert AuditLog.objects.count() == before
    world.users["officer"].refresh_from_db()
    assert world.users["officer"].is_active and world.users["officer"].roles.get().is_active


def test_superuser_flag_grants_nothing(world, client):
    user = User.objects.create_user(username="root", password=PASSWORD, is_superuser=True, is_staff=True)
    client.force_login(user)
    for url in ("/admin/", "/work/admin/users/", "/work/admin/roles/", "/work/admin/audit/"):
        assert client.get(url).status_code == 403, url


# --- System administrator -------------------------------------------------------------------------
def test_user_list_search_and_constant_queries(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.get("/work/admin/users/", {"q": "联络员"})
    names = {u.username for u in response.context["page"]}
    assert names == {"officer", "pref_officer", "other_officer"}
    response = client.get("/work/admin/users/", {"active": "1"})
    assert response.context["page"].paginator.count == User.objects.count()
    client.get("/work/admin/users/")  # warm up: session, settings row
    with CaptureQueriesContext(connection) as few:
        client.get("/work/admin/users/")
    for i in range(30):
        services.user_create(actor=None, username=f"bulk{i}", name=f"批量{i}", password="Bulk-Pass-2026")
        services.role_grant(
            actor=None, user=User.objects.get(username=f"bulk{i}"), kind="liaison_officer", region=world.regions["town"]
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/work/admin/users/")
    assert len(many) == len(few)


def test_system_admin_creates_an_account(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.post(
        "/work/admin/users/new/",
        {"username": "wang", "name": "王五", "phone": "13800000000", "password": "Initial-2026", "reason": "new clerk"},
    )
    user = User.objects.get(username="wang")
    assert response.status_code == 302 and response.url == f"/work/admin/users/{user.pk}/"
    assert user.must_change_password and user.check_password("Initial-2026")
    row = AuditLog.objects.get(action=AuditLog.Action.CREATE, model="accounts.User", object_id=str(user.pk))
    assert row.actor == world.users["sysadmin"] and row.reason == "new clerk" and row.after["name"] == "王五"
    assert not user.roles.exists()


def test_initial_password_must_follow_the_policy(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.post("/work/admin/users/new/", {"username": "weak", "name": "x", "password": "abcdefgh"})
    assert response.status_code == 200 and "password" in response.context["form"].errors
    response = client.post("/work/admin/users/new/", {"username": "Officer", "name": "x", "password": "Good-Pass-2026"})
    assert "username" in response.context["form"].errors
    assert not User.objects.filter(username="weak").exists()


def test_system_admin_edits_deactivates_and_reactivates(world, client):
    officer = world.users["officer"]
    client.force_login(world.users["sysadmin"])
    client.post(f"/work/admin/users/{officer.pk}/", {"name": "县联络员甲", "phone": "", "email": "", "reason": "typo"})
    officer.refresh_from_db()
    assert officer.name == "县联络员甲"
    row = AuditLog.objects.filter(model="accounts.User", action="update").latest("id")
    assert row.before == {"name": "县联络员"} and row.after == {"name": "县联络员甲"} and row.reason == "typo"
    client.post(f"/work/admin/users/{officer.pk}/active/", {"active": "0", "reason": "left office"})
    officer.refresh_from_db()
    assert not officer.is_active
    row = AuditLog.objects.filter(model="accounts.User", action="update").latest("id")
    assert row.after == {"is_active": False} and row.reason == "left office"
    client.post(f"/work/admin/users/{officer.pk}/active/", {"active": "1"})
    officer.refresh_from_db()
    assert officer.is_active


def test_deactivated_user_is_logged_out(world, client):
    officer = world.users["officer"]
    client.force_login(officer)
    services.user_set_active(actor=world.users["sysadmin"], user=officer, active=False)
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_system_admin_cannot_deactivate_themself(world, client):
    me = world.users["sysadmin"]
    client.force_login(me)
    client.post(f"/work/admin/users/{me.pk}/active/", {"active": "0"})
    me.refresh_from_db()
    assert me.is_active


def test_system_admin_resets_a_password(world, client):
    officer = world.users["officer"]
    client.force_login(world.users["sysadmin"])
    response = client.post(f"/work/admin/users/{officer.pk}/password/", {"password": "short"})
    assert response.status_code == 200 and "password" in response.context["form"].errors
    response = client.post(
        f"/work/admin/users/{officer.pk}/password/", {"password": "Reset-Pass-2026", "reason": "forgot"}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("Reset-Pass-2026") and officer.must_change_password
    row = AuditLog.objects.filter(model="accounts.User", action="security").latest("id")
    assert row.reason == "forgot" and "Reset-Pass" not in str(row.after)


def test_user_page_404_for_missing(world, client):
    client.force_login(world.users["sysadmin"])
    assert client.get("/work/admin/users/999999/").status_code == 404


# --- Security administrator -----------------------------------------------------------------------
def test_security_admin_grants_and_revokes_with_scope(world, client):
    nobody = world.users["nobody"]
    client.force_login(world.users["secadmin"])
    url = f"/work/admin/roles/user/{nobody.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"kind": "liaison_officer", "region": world.regions["town"].pk, "reason": "appointed"})
    assert response.status_code == 302
    role = nobody.roles.get()
    assert role.kind == "liaison_officer" and role.region == world.regions["town"]
    assert role.granted_by == world.users["secadmin"]
    row = AuditLog.objects.get(model="accounts.Role", action="create")
    assert row.reason == "appointed" and row.actor == world.users["secadmin"]
    # The granted role gives the workspace at once.
    response = client.post(f"/work/admin/roles/{role.pk}/revoke/", {"reason": "moved"})
    assert response.status_code == 302
    role.refresh_from_db()
    assert not role.is_active
    assert AuditLog.objects.filter(model="accounts.Role", action="update", reason="moved").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "liaison_officer"}, "region"),
        ({"kind": "station_staff", "region": "REGION"}, "region"),
        ({"kind": "system_admin", "unit": "UNIT"}, "unit"),
        ({"kind": "handling_unit"}, "unit"),
        ({"kind": "deputy"}, "person"),
        ({"kind": "nonsense"}, "kind"),
    ],
)
def test_grant_validates_scope_against_kind(world, client, data, field):
    nobody = world.users["nobody"]
    data = {
        k: (world.regions["county"].pk if v == "REGION" else world.units["county_edu"].pk if v == "UNIT" else v)
        for k, v in data.items()
    }
    client.force_login(world.users["secadmin"])
    response = client.post(f"/work/admin/roles/user/{nobody.pk}/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not nobody.roles.exists()


def test_security_admin_cannot_grant_to_themself(world, client):
    me = world.users["secadmin"]
    client.force_login(me)
    response = client.post(f"/work/admin/roles/user/{me.pk}/", {"kind": "audit_admin"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(f"/work/admin/roles/user/{me.pk}/", {"kind": "security_admin"})
    assert me.roles.count() == 1


def test_separation_of_the_three_administrators(world, client):
    client.force_login(world.users["secadmin"])
    auditor = world.users["auditor"]
    response = client.post(f"/work/admin/roles/user/{auditor.pk}/", {"kind": "system_admin"})
    assert "kind" in response.context["form"].errors
    assert list(auditor.roles.values_list("kind", flat=True)) == ["audit_admin"]


def test_scope_lookup_finds_regions_units_stations_and_persons(world, client):
    client.force_login(world.users["secadmin"])
    body = client.get("/work/admin/roles/lookup/", {"type": "region", "q": "甲一"}).content.decode()
    assert f'value="{world.regions["county"].pk}"' in body and "乙" not in body
    body = client.get("/work/admin/roles/lookup/", {"type": "region", "q": "440201"}).content.decode()
    assert "乙一县" in body
    body = client.get("/work/admin/roles/lookup/", {"type": "unit", "q": "教育"}).content.decode()
    assert "甲一县教育局" in body and "乙一县教育局" in body
    assert client.get("/work/admin/roles/lookup/", {"type": "bogus", "q": "x"}).status_code == 404


def test_security_admin_unlocks_from_the_page(world, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "officer", "password": "bad"}, REMOTE_ADDR="10.1.1.1")
    assert is_locked_out(username="officer", ip="10.1.1.1")
    client.force_login(world.users["secadmin"])
    page = client.get("/work/admin/roles/")
    assert [r["username"] for r in page.context["locked"]] == ["officer"]
    response = client.post("/work/admin/roles/unlock/", {"username": "officer", "reason": "verified by phone"})
    assert response.status_code == 302
    assert not is_locked_out(username="officer", ip="10.1.1.1")
    assert AuditLog.objects.filter(action="security", reason="verified by phone").exists()
    assert client.get("/work/admin/roles/").context["locked"] == []


def test_security_admin_edits_the_settings(world, client):
    client.force_login(world.users["secadmin"])
    data = {
        "profile": "asvs",
        "min_length": 14,
        "max_age_days": 0,
        "lockout_attempts": 6,
        "lockout_window_minutes": 20,
        "idle_minutes": 15,
        "absolute_hours": 8,
        "reason": "adopt ASVS",
    }
    response = client.post("/work/admin/security/", data)
    assert response.status_code == 302
    cfg = current_settings()
    assert (cfg.profile, cfg.min_length, cfg.idle_minutes, cfg.lockout_attempts) == ("asvs", 14, 15, 6)
    row = AuditLog.objects.filter(model="accounts.SecuritySettings").latest("id")
    assert row.before["profile"] == "mlps3" and row.after["profile"] == "asvs" and row.reason == "adopt ASVS"
    response = client.post("/work/admin/security/", {**data, "min_length": 10})
    assert response.status_code == 200 and "min_length" in response.context["form"].errors
    response = client.post("/work/admin/security/", {**data, "idle_minutes": 0})
    assert response.status_code == 200 and "idle_minutes" in response.context["form"].errors
    assert current_settings().min_length == 14
    assert SecuritySettings.objects.count() == 1


def test_role_list_constant_queries(world, client):
    client.force_login(world.users["secadmin"])
    client.get("/work/admin/roles/")
    with CaptureQueriesContext(connection) as few:
        client.get("/work/admin/roles/")
    for i in range(20):
        services.user_create(actor=None, username=f"r{i}", name=f"r{i}", password="Bulk-Pass-2026")
    with CaptureQueriesContext(connection) as many:
        client.get("/work/admin/roles/")
    assert len(many) == len(few)


# --- Audit administrator --------------------------------------------------------------------------
def test_audit_list_filters_and_detail(world, client):
    secadmin = world.users["secadmin"]
    role = services.role_grant(
        actor=secadmin,
        user=world.users["nobody"],
        kind="leadership",
        region=world.regions["pref"],
        reason="leader appointed",
    )
    services.security_settings_update(actor=secadmin, lockout_attempts=8, reason="tighter")
    client.force_login(world.users["auditor"])
    page = client.get("/work/admin/audit/", {"actor": "secadmin"}).context["page"]
    assert {r.model for r in page} == {"accounts.Role", "accounts.SecuritySettings"}
    page = client.get("/work/admin/audit/", {"model": "accounts.Role"}).context["page"]
    assert [r.object_id for r in page] == [str(role.pk)]
    page = client.get("/work/admin/audit/", {"action": "security"}).context["page"]
    assert [r.reason for r in page] == ["tighter"]
    page = client.get("/work/admin/audit/", {"q": "leader appointed"}).context["page"]
    assert len(page) == 1
    today = datetime.date.today()
    assert (
        client.get("/work/admin/audit/", {"date_from": today + datetime.timedelta(days=2)})
        .context["page"]
        .paginator.count
        == 0
    )
    response = client.get("/work/admin/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200 and "date_to" in response.context["form"].errors
    row = AuditLog.objects.get(model="accounts.SecuritySettings")
    detail = client.get(f"/work/admin/audit/{row.pk}/")
    assert detail.status_code == 200
    assert detail.context["changes"] == [{"field": "lockout_attempts", "before": 5, "after": 8, "changed": True}]
    assert client.get("/work/admin/audit/99999999/").status_code == 404


def test_audit_list_pagination_and_constant_queries(world, client):
    client.force_login(world.users["auditor"])
    client.get("/work/admin/audit/")
    with CaptureQueriesContext(connection) as few:
        client.get("/work/admin/audit/")
    for i in range(120):
        AuditLog.objects.create(action="view", model="deputies.Person", object_id=str(i), object_repr=f"p{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/work/admin/audit/")
    assert len(many) == len(few)
    assert response.context["page"].paginator.num_pages >= 3
    assert client.get("/work/admin/audit/", {"page": 3}).status_code == 200


def test_audit_pages_are_read_only(world, client):
    client.force_login(world.users["auditor"])
    row = AuditLog.objects.create(action="view", model="x.Y", object_repr="r")
    assert client.post(f"/work/admin/audit/{row.pk}/", {"reason": "x"}).status_code in (200, 405)
    row.refresh_from_db()
    assert row.reason == ""


def test_audit_rows_cannot_be_updated_or_deleted(db):
    row = AuditLog.objects.create(action="create", model="x.Y", object_repr="r")
    row.reason = "tamper"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    assert AuditLog.objects.get(pk=row.pk).reason == ""


# --- The Django admin -----------------------------------------------------------------------------
def test_django_admin_is_for_the_system_admin_only(world, client):
    assert client.get("/admin/").url.startswith("/accounts/login/")
    page = client.get("/admin/login/")
    assert page.status_code == 200 and page.context["next"] == "/admin/"  # the platform's hardened form
    client.force_login(world.users["officer"])
    assert client.get("/admin/login/").status_code == 403
    client.force_login(world.users["sysadmin"])
    response = client.get("/admin/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/admin/core/" not in body and "auditlog" not in body.lower()
    assert client.get("/admin/core/auditlog/").status_code == 404
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/auth/group/").status_code == 404
    officer = world.users["officer"]
    assert client.get(f"/admin/accounts/user/{officer.pk}/change/").status_code == 200
    client.post(f"/admin/accounts/user/{officer.pk}/change/", {"name": "hacked"})
    officer.refresh_from_db()
    assert officer.name == "县联络员"
    assert client.get("/admin/accounts/role/add/").status_code == 403
    assert client.get("/admin/accounts/securitysettings/").status_code == 404


def test_admin_site_never_registers_the_audit_log():
    from django.core.exceptions import ImproperlyConfigured

    assert not admin.site.is_registered(AuditLog)
    with pytest.raises(ImproperlyConfigured):
        admin.site.register(AuditLog)


def test_admin_saves_are_audited_and_workflow_state_read_only(world, rf):
    from liaison.core.admin import GuardedAdminMixin
    from liaison.regions.models import HandlingUnit

    registered = [ma for ma in admin.site._registry.values() if not isinstance(ma, GuardedAdminMixin)]
    assert registered == []
    model_admin = admin.site._registry.get(HandlingUnit)
    if model_admin is None:  # the regions app may not register it; use a throw-away admin of the same kind
        model_admin = type("A", (GuardedAdminMixin, admin.ModelAdmin), {})(HandlingUnit, admin.site)
    request = rf.post("/admin/")
    request.user = world.users["sysadmin"]
    unit = world.units["county_edu"]
    unit.name = "甲一县教育和体育局"
    model_admin.save_model(request, unit, form=None, change=True)
    row = AuditLog.objects.filter(model="regions.HandlingUnit", object_id=str(unit.pk)).latest("id")
    assert row.action == "update" and row.actor == world.users["sysadmin"] and row.reason == "admin"
    assert row.after == {"name": "甲一县教育和体育局"}

    class Stateful(GuardedAdminMixin, admin.ModelAdmin):
        workflow_fields = ("is_active",)

    assert "is_active" in Stateful(HandlingUnit, admin.site).get_readonly_fields(request)


def test_has_perm_comes_from_roles(world):
    sysadmin, officer = world.users["sysadmin"], world.users["officer"]
    assert sysadmin.has_perm("accounts.manage_users") and not officer.has_perm("accounts.manage_users")
    assert world.users["auditor"].has_perm("core.view_audit") and not sysadmin.has_perm("core.view_audit")
    assert sysadmin.has_perm("regions.change_region") and not officer.has_perm("regions.change_region")
    assert not sysadmin.has_perm("core.change_auditlog") and not sysadmin.has_module_perms("core")
    assert world.users["secadmin"].has_perm("accounts.manage_roles")
    assert Role.objects.filter(user=sysadmin).count() == 1


def test_admin_password_change_and_logout_use_the_platform_pages(world, client):
    client.force_login(world.users["sysadmin"])
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response.url == "/accounts/password/"
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGOUT, actor=world.users["sysadmin"]).exists()
