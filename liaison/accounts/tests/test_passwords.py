"""Password policies of the two security profiles, the change page, forced changes."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from liaison.accounts import services
from liaison.accounts.models import SecuritySettings, User
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD

CHANGE = "/accounts/password/"


def errors_of(password, user=None):
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_mlps3_needs_length_and_three_classes(db):
    assert errors_of("Ab1!") == {"password_too_short"}
    assert "password_classes" in errors_of("abcdefghij")
    assert "password_classes" in errors_of("abcdefgh12")
    assert errors_of("abcdefg12!") == set()
    assert errors_of("Abcdefgh12") == set()


def test_asvs_needs_length_and_refuses_common_passwords(db):
    services.security_settings_update(actor=None, profile=SecuritySettings.Profile.ASVS, min_length=12)
    assert errors_of("Ab1!Ab1!Ab1") == {"password_too_short"}
    assert "password_too_common" in errors_of("qwerty123456")
    # no character-class rule: a long pass phrase of lower-case words is fine
    assert errors_of("correct horse battery staple") == set()


def test_change_page_changes_password_and_stays_logged_in(world, client):
    user = world.users["officer"]
    client.force_login(user)
    old_key = client.session.session_key
    response = client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": "Brand-New-2026", "new_password2": "Brand-New-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-New-2026")
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert client.session.session_key != old_key
    assert client.get("/work/").status_code == 200
    row = AuditLog.objects.filter(action=AuditLog.Action.SECURITY, object_id=str(user.pk)).latest("id")
    assert row.after == {"password": "changed"}


@pytest.mark.parametrize(
    "data, field",
    [
        (
            {"old_password": "nope", "new_password1": "Brand-New-2026", "new_password2": "Brand-New-2026"},
            "old_password",
        ),
        ({"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}, "new_password1"),
        ({"old_password": PASSWORD, "new_password1": "alllowercase", "new_password2": "alllowercase"}, "new_password1"),
        (
            {"old_password": PASSWORD, "new_password1": "Brand-New-2026", "new_password2": "Other-New-2026"},
            "new_password2",
        ),
        ({"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}, "new_password1"),
    ],
)
def test_change_page_refuses_bad_input(world, client, data, field):
    user = world.users["officer"]
    client.force_login(user)
    response = client.post(CHANGE, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_mlps3_forces_change_of_an_old_password(world, client):
    user = world.users["officer"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(user)
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith(CHANGE)
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["reason"]
    client.post(
        response.url,
        {"old_password": PASSWORD, "new_password1": "Brand-New-2026", "new_password2": "Brand-New-2026"},
    )
    assert client.get("/work/").status_code == 200


def test_asvs_does_not_rotate(world, client):
    services.security_settings_update(actor=None, profile=SecuritySettings.Profile.ASVS, min_length=12)
    user = world.users["officer"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=400))
    client.force_login(user)
    assert client.get("/work/").status_code == 200


def test_max_age_zero_means_never(world, client):
    services.security_settings_update(actor=None, max_age_days=0)
    user = world.users["officer"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=400))
    client.force_login(user)
    assert client.get("/work/").status_code == 200


def test_password_set_by_an_administrator_must_be_changed(world, client):
    user = world.users["officer"]
    services.user_password_reset(actor=world.users["sysadmin"], user=user, password="Reset-Pass-2026", reason="forgot")
    client.post("/accounts/login/", {"username": "officer", "password": "Reset-Pass-2026"})
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith(CHANGE)
    assert client.get("/admin/").status_code == 302
    client.post(
        CHANGE,
        {"old_password": "Reset-Pass-2026", "new_password1": "Mine-Pass-2026", "new_password2": "Mine-Pass-2026"},
    )
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/work/").status_code == 200


# --- password history -----------------------------------------------------------------------------
def change(user, old, new):
    return services.password_change(user=user, old_password=old, new_password=new)


def test_mlps3_refuses_any_of_the_last_five_passwords(world):
    from liaison.accounts.models import PasswordHistory

    user = world.users["officer"]
    chain = [PASSWORD, "Second-Pass-1", "Third-Pass-2", "Fourth-Pass-3", "Fifth-Pass-4"]
    for old, new in zip(chain, chain[1:], strict=False):
        user = change(user, old, new)
    # the last five: Fifth (current) … PASSWORD (the account's first, set before any history)
    for used in chain[:-1]:
        with pytest.raises(services.PasswordRecentlyUsed) as info:
            change(user, chain[-1], used)
        assert info.value.field == "new_password1" and "5" in str(info.value.message)
    user = change(user, chain[-1], "Sixth-Pass-5")
    user = change(user, "Sixth-Pass-5", PASSWORD)  # six changes back: free again
    rows = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(rows) == 5  # only as many as the rule needs
    assert all(r.count("$") >= 2 and "Pass" not in r for r in rows)  # hashes, never the password


def test_asvs_keeps_no_history_unless_set(world):
    from liaison.accounts.models import PasswordHistory

    services.security_settings_update(actor=None, profile=SecuritySettings.Profile.ASVS, min_length=12)
    user = world.users["officer"]
    user = change(user, PASSWORD, "a long pass phrase one")
    user = change(user, "a long pass phrase one", PASSWORD)  # back to the old one: allowed
    assert not PasswordHistory.objects.filter(user=user).exists()
    services.security_settings_update(actor=None, password_history=2)
    user = change(user, PASSWORD, "a long pass phrase two")
    with pytest.raises(services.PasswordRecentlyUsed):
        change(user, "a long pass phrase two", PASSWORD)
    user = change(user, "a long pass phrase two", "a long pass phrase three")
    user = change(user, "a long pass phrase three", PASSWORD)


def test_history_setting_bounds_and_audit(world):
    with pytest.raises(services.SettingsOutOfRange) as info:
        services.security_settings_update(actor=world.users["secadmin"], password_history=25)
    assert "password_history" in info.value.errors
    cfg = services.security_settings_update(actor=world.users["secadmin"], password_history=0)
    assert cfg.password_history_count == 0
    row = AuditLog.objects.filter(action=AuditLog.Action.SECURITY).latest("id")
    assert row.after == {"password_history": 0}
    cfg = services.security_settings_update(actor=world.users["secadmin"], password_history=None)
    assert cfg.password_history_count == 5  # MLPS level 3's default


def test_administrator_reset_is_not_held_to_the_history(world):
    user = world.users["officer"]
    user = change(user, PASSWORD, "Second-Pass-1")
    services.user_password_reset(actor=world.users["sysadmin"], user=user, password=PASSWORD)
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.must_change_password
    with pytest.raises(services.PasswordRecentlyUsed):  # the person's own choice is held to it
        change(user, PASSWORD, "Second-Pass-1")


def test_change_page_says_why_in_chinese_and_english(world, client):
    user = world.users["officer"]
    user = change(user, PASSWORD, "Second-Pass-1")
    client.force_login(user)
    data = {"old_password": "Second-Pass-1", "new_password1": PASSWORD, "new_password2": PASSWORD}
    response = client.post(CHANGE, data)
    assert response.status_code == 200
    assert "最近" in " ".join(response.context["form"].errors["new_password1"])
    client.cookies["liaison_language"] = "en"
    response = client.post(CHANGE, data, HTTP_ACCEPT_LANGUAGE="en")
    assert "You used this password recently" in " ".join(response.context["form"].errors["new_password1"])
    assert "last 5 passwords" in client.get(CHANGE).content.decode()  # the rule is in the help text
