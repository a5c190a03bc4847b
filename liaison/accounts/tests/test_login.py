"""Log-in hardening: lockout keyed on account + address, session key rotation, idle and absolute
timeouts, Argon2."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from liaison.accounts import services
from liaison.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from liaison.accounts.models import LoginAttempt
from liaison.accounts.security import current_settings, is_locked_out
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD

LOGIN = "/accounts/login/"


def post_login(client, username, password, ip="10.0.0.1", next_url="/work/"):
    return client.post(LOGIN, {"username": username, "password": password, "next": next_url}, REMOTE_ADDR=ip)


def test_login_succeeds_and_is_audited(world, client):
    response = post_login(client, "officer", PASSWORD)
    assert response.status_code == 302 and response.url == "/work/"
    row = AuditLog.objects.filter(action=AuditLog.Action.LOGIN).latest("id")
    assert row.actor == world.users["officer"] and row.ip == "10.0.0.1"
    assert client.get("/work/").status_code == 200


def test_wrong_password_is_refused_and_audited(world, client):
    response = post_login(client, "officer", "wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode() or "wrong" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, object_repr="officer").count() == 1


def test_open_redirect_is_refused(world, client):
    response = post_login(client, "officer", PASSWORD, next_url="https://evil.example/")
    assert response.url == "/work/"


def test_lockout_after_n_failures_from_one_address(world, client):
    cfg = current_settings()
    assert (cfg.lockout_attempts, cfg.lockout_window_minutes) == (5, 15)
    for _ in range(4):
        post_login(client, "officer", "wrong")
    assert not AuditLog.objects.filter(action=AuditLog.Action.LOCKOUT).exists()
    response = post_login(client, "officer", "wrong")
    body = response.content.decode()
    assert response.context["form"].errors["__all__"][0].startswith(("登录失败次数过多", "Too many failed"))
    assert "15" in body
    lock = AuditLog.objects.get(action=AuditLog.Action.LOCKOUT)
    assert lock.object_id == str(world.users["officer"].pk) and lock.after["ip"] == "10.0.0.1"
    # Locked: even the right password is refused, and the attempt is not counted again.
    response = post_login(client, "officer", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert response.context["form"].has_error("__all__", "locked")
    assert LoginAttempt.objects.filter(username="officer").count() == 5
    # Keyed on account and address: the same account from another address, another account from here.
    assert post_login(client, "officer", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert post_login(client, "pref_officer", PASSWORD).status_code == 302


def test_lockout_ends_after_the_window(world, client):
    for _ in range(5):
        post_login(client, "officer", "wrong")
    assert is_locked_out(username="officer", ip="10.0.0.1")
    LoginAttempt.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert not is_locked_out(username="officer", ip="10.0.0.1")
    assert post_login(client, "officer", PASSWORD).status_code == 302


def test_lockout_follows_the_settings(world, client):
    services.security_settings_update(actor=None, lockout_attempts=3)
    for _ in range(3):
        post_login(client, "OFFICER", "wrong")  # the key ignores case
    assert is_locked_out(username="officer", ip="10.0.0.1")


def test_success_clears_earlier_failures(world, client):
    for _ in range(4):
        post_login(client, "officer", "wrong")
    assert post_login(client, "officer", PASSWORD).status_code == 302
    client.logout()
    post_login(client, "officer", "wrong")
    assert not is_locked_out(username="officer", ip="10.0.0.1")


def test_unlock_clears_failures(world, client):
    for _ in range(5):
        post_login(client, "officer", "wrong")
    services.account_unlock(actor=world.users["secadmin"], user=world.users["officer"], reason="phoned in")
    assert not is_locked_out(username="officer", ip="10.0.0.1")
    row = AuditLog.objects.filter(action=AuditLog.Action.SECURITY, model="accounts.User").latest("id")
    assert row.actor == world.users["secadmin"] and row.reason == "phoned in"
    assert post_login(client, "officer", PASSWORD).status_code == 302


def test_inactive_account_cannot_log_in(world, client):
    services.user_set_active(actor=world.users["sysadmin"], user=world.users["officer"], active=False)
    assert post_login(client, "officer", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_session_key_rotates_at_login(world, client):
    client.get(LOGIN)
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key
    assert post_login(client, "officer", PASSWORD).status_code == 302
    after = client.session.session_key
    assert after and after != before
    assert client.session[SESSION_STARTED] <= int(time.time())
    assert client.session.get_expiry_age() == 12 * 3600


def _age_session(client, *, idle: int = 0, started: int = 0):
    session = client.session
    now = int(time.time())
    session[SESSION_SEEN] = now - idle
    session[SESSION_STARTED] = now - started
    session.save()


def test_idle_timeout_logs_out(world, client):
    post_login(client, "officer", PASSWORD)
    _age_session(client, idle=29 * 60)
    assert client.get("/work/").status_code == 200
    _age_session(client, idle=31 * 60)
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    # The log-in page says why.
    response = client.get(response.url)
    assert any("log in again" in str(m).lower() or "重新登录" in str(m) for m in response.context["messages"])


def test_absolute_timeout_logs_out_even_when_active(world, client):
    post_login(client, "officer", PASSWORD)
    _age_session(client, idle=0, started=11 * 3600)
    assert client.get("/work/").status_code == 200
    _age_session(client, idle=0, started=12 * 3600 + 5)
    assert client.get("/work/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_idle_timeout_follows_the_settings(world, client):
    services.security_settings_update(actor=None, idle_minutes=5)
    post_login(client, "officer", PASSWORD)
    _age_session(client, idle=6 * 60)
    assert client.get("/work/").status_code == 302


def test_activity_time_is_refreshed(world, client):
    post_login(client, "officer", PASSWORD)
    _age_session(client, idle=20 * 60)
    client.get("/work/")
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


def test_logout_is_post_only_and_audited(world, client):
    post_login(client, "officer", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGOUT).exists()


def test_production_hasher_is_argon2(db, settings):
    from config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = services.user_create(actor=None, username="argon", name="A", password="Argon-Pass-2026")
    assert user.password.startswith("argon2$")
    assert user.check_password("Argon-Pass-2026")
    assert make_password("x").startswith("argon2$")


@pytest.mark.parametrize("path", ["/work/", "/work/admin/users/", "/accounts/password/", "/accounts/otp/setup/"])
def test_anonymous_is_sent_to_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
