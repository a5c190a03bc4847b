"""The TOTP second factor: enrolment with a QR code, verification, the gate in front of /work/ and
/admin/. Codes are computed from the device key as an authenticator app does."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts import services
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD


def code(device, offset=0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def login(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": "/work/"})
    assert response.status_code == 302
    return response


@pytest.fixture
def otp_admins(settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrolment_shows_qr_and_secret_then_confirms(world, client, otp_admins):
    login(client, "secadmin")
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/")
    response = client.get(response.url)  # no device yet: to the set-up page
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/setup/")
    page = client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "http" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    device = TOTPDevice.objects.get(user=world.users["secadmin"])
    assert not device.confirmed
    assert page.context["secret"].replace(" ", "") in body.replace(" ", "")
    # reloading keeps the same secret
    assert client.get("/accounts/otp/setup/").context["secret"] == page.context["secret"]
    wrong = client.post("/accounts/otp/setup/", {"token": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "token" in wrong.context["form"].errors
    response = client.post("/accounts/otp/setup/", {"token": code(device), "next": "/work/admin/roles/"})
    assert response.status_code == 302 and response.url == "/work/admin/roles/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/work/admin/roles/").status_code == 200
    assert AuditLog.objects.filter(action=AuditLog.Action.SECURITY, after__second_factor="enrolled").exists()


@pytest.fixture
def enrolled(world):
    device = TOTPDevice.objects.create(user=world.users["sysadmin"], name="app", confirmed=True)
    return device


def test_verification_with_a_real_code(world, client, otp_admins, enrolled):
    login(client, "sysadmin")
    assert client.get("/work/admin/users/").url.startswith("/accounts/otp/?next=")
    assert client.get("/admin/").url.startswith("/accounts/otp/")
    response = client.post("/accounts/otp/", {"token": "12345x"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post("/accounts/otp/", {"token": "000001" if code(enrolled) != "000001" else "000002"})
    assert response.status_code == 200
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, reason="second factor").count() == 1
    response = client.post("/accounts/otp/", {"token": code(enrolled), "next": "/work/admin/users/"})
    assert response.status_code == 302 and response.url == "/work/admin/users/"
    assert client.get("/work/admin/users/").status_code == 200
    assert client.get("/admin/").status_code == 200
    # A code is good once only (replay).
    client.logout()
    login(client, "sysadmin")
    response = client.post("/accounts/otp/", {"token": code(enrolled)})
    assert response.status_code == 200


def test_verified_user_cannot_re_enrol_without_the_factor(world, client, otp_admins, enrolled):
    login(client, "sysadmin")
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/")
    assert TOTPDevice.objects.filter(user=world.users["sysadmin"]).count() == 1


def test_throttling_after_wrong_codes(world, client, settings, enrolled):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    login(client, "sysadmin")
    client.post("/accounts/otp/", {"token": "000000" if code(enrolled) != "000000" else "111111"})
    response = client.post("/accounts/otp/", {"token": code(enrolled)})
    assert response.status_code == 200  # throttled: even the right code waits
    assert "_otp_device_id" not in client.session


def test_not_required_for_officers_unless_staff_setting(world, client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    login(client, "officer")
    assert client.get("/work/").status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = client.get("/work/")
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/")


def test_not_required_when_setting_is_off_and_no_device(world, client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = False
    login(client, "sysadmin")
    assert client.get("/work/admin/users/").status_code == 200


def test_a_voluntarily_enrolled_device_is_asked_for_at_log_in(world, client, settings):
    """An officer whose roles need no second factor enrols one anyway (at /accounts/otp/setup/):
    from then on every log-in asks for the code, in the workspace, the admin site and the API."""
    settings.OTP_REQUIRED_FOR_ADMINS = settings.OTP_REQUIRED_FOR_STAFF = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    response = login(client, "officer")
    assert response.url == "/work/"  # nothing asked yet: no device, no role that needs one
    device = services.otp_device_pending(user=world.users["officer"])
    assert client.post("/accounts/otp/setup/", {"token": code(device), "next": "/work/"}).status_code == 302
    client.post("/accounts/logout/")

    response = login(client, "officer")
    assert response.url == "/accounts/otp/?next=%2Fwork%2F"  # straight to the code after the password
    assert client.get("/work/").url.startswith("/accounts/otp/?next=")  # the gate holds as well
    assert client.get("/api/deputies/persons/999999").status_code == 401  # a half-done log-in opens no API
    response = client.post("/accounts/otp/", {"token": code(device, offset=1), "next": "/work/"})
    assert response.status_code == 302 and response.url == "/work/"
    assert client.get("/work/").status_code == 200
    assert client.get("/api/deputies/persons/999999").status_code == 404  # authenticated now


def test_a_device_still_being_enrolled_is_not_asked_for(world, client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = settings.OTP_REQUIRED_FOR_STAFF = False
    services.otp_device_pending(user=world.users["officer"])  # scanned, never confirmed
    assert login(client, "officer").url == "/work/"
    assert client.get("/work/").status_code == 200


def test_production_requires_otp_for_admins_by_default(monkeypatch):
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3Qtc2VjcmV0ISE=")
    monkeypatch.delenv("OTP_REQUIRED_FOR_ADMINS", raising=False)
    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)
    assert production.OTP_REQUIRED_FOR_ADMINS is True


def test_security_admin_resets_a_lost_factor(world, client, otp_admins, enrolled):
    count = services.otp_reset(actor=world.users["secadmin"], user=world.users["sysadmin"], reason="lost phone")
    assert count == 1 and not TOTPDevice.objects.filter(user=world.users["sysadmin"]).exists()
    row = AuditLog.objects.filter(action=AuditLog.Action.SECURITY, reason="lost phone").get()
    assert row.actor == world.users["secadmin"]
    login(client, "sysadmin")
    response = client.get(client.get("/work/").url)
    assert response.url.startswith("/accounts/otp/setup/")


def test_codes_from_the_next_step_are_accepted(world, client, otp_admins, enrolled):
    """Tolerance of one step for clock skew, as the app and the server may differ a little."""
    login(client, "sysadmin")
    response = client.post("/accounts/otp/", {"token": code(enrolled, offset=1)})
    assert response.status_code == 302
    assert client.get("/work/admin/users/").status_code == 200
