"""SMS verification codes: hashing, expiry, wrong tries, rate limits per number and per address."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone, translation

from liaison.notifications.exceptions import InvalidPhone, TooManyCodes
from liaison.notifications.models import Notification, PhoneCode
from liaison.notifications.verification import phone_codes_prune, sms_code_send, sms_code_verify

from .conftest import outbox_lines

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture
def send(committed, outbox_file):
    """Send a code and return it, read where a demo user reads it: the outbox file."""

    def run(phone=PHONE, ip="10.0.0.1", purpose="opinion"):
        with committed():
            sms_code_send(phone=phone, ip=ip, purpose=purpose)
        body = outbox_lines(outbox_file)[-1]["body"]
        return "".join(ch for ch in body.split("验证码为")[1] if ch.isdigit())[:6]

    return run


def age(seconds: int) -> None:
    """Move every code `seconds` into the past."""
    delta = datetime.timedelta(seconds=seconds)
    for row in PhoneCode.objects.all():
        PhoneCode.objects.filter(pk=row.pk).update(created_at=row.created_at - delta, expires_at=row.expires_at - delta)


def test_code_is_sent_by_sms_and_stored_hashed(send, outbox_file):
    code = send()
    assert len(code) == 6 and code.isdigit()
    row = PhoneCode.objects.get()
    assert code not in row.code_hash and PHONE not in row.phone_index
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_phonecode")
        assert not any(code in str(v) or PHONE in str(v) for v in cursor.fetchone())
        cursor.execute("SELECT subject, body, sealed_body FROM notifications_notification")
        assert not any(code in str(v) for v in cursor.fetchone())
    sms = Notification.objects.get()
    assert (sms.kind, sms.channel, sms.status) == ("sms_code", "sms", "sent")
    assert "******" in sms.body and "10分钟" in sms.body
    assert outbox_lines(outbox_file)[-1]["to"] == "138****8000"


def test_right_code_verifies_once(send):
    code = send()
    assert sms_code_verify(phone="138 0013 8000", code=code) is True  # the number is normalized
    assert sms_code_verify(phone=PHONE, code=code) is False  # spent


def test_code_is_bound_to_number_and_purpose(send):
    code = send()
    assert sms_code_verify(phone="13900139000", code=code) is False
    assert sms_code_verify(phone=PHONE, code=code, purpose="rating") is False
    assert sms_code_verify(phone=PHONE, code=code, purpose="opinion") is True


def test_code_expires_after_ten_minutes(send):
    code = send()
    age(10 * 60 + 1)
    assert sms_code_verify(phone=PHONE, code=code) is False


def test_five_wrong_tries_spend_the_code(send):
    code = send()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(5):
        assert sms_code_verify(phone=PHONE, code=wrong) is False
    assert PhoneCode.objects.get().failed_tries == 5
    assert sms_code_verify(phone=PHONE, code=code) is False


def test_only_the_newest_code_counts(send):
    first = send()
    age(61)
    second = send()
    if first != second:
        assert sms_code_verify(phone=PHONE, code=first) is False
    assert sms_code_verify(phone=PHONE, code=second) is True


def test_garbage_is_not_verified(send):
    send()
    assert sms_code_verify(phone="not a phone", code="123456") is False
    assert sms_code_verify(phone=PHONE, code="") is False
    assert sms_code_verify(phone=PHONE, code="12345x") is False


def test_invalid_number_is_refused():
    with pytest.raises(InvalidPhone) as err:
        sms_code_send(phone="010-12345678", ip=None)
    assert err.value.field == "phone"


def test_one_code_a_minute_per_number(send):
    send()
    with pytest.raises(TooManyCodes) as err:
        send()
    assert (err.value.code, err.value.status) == ("too_many_codes", 429)
    assert 0 < err.value.extra["retry_after"] <= 60
    assert "秒后再试" in str(err.value.message)
    age(61)
    send()


def test_five_an_hour_and_ten_a_day_per_number(send):
    for _ in range(5):
        send()
        age(61)
    with pytest.raises(TooManyCodes) as err:  # the hour's limit
        send()
    assert "分钟后再试" in str(err.value.message)
    assert 50 * 60 < err.value.extra["retry_after"] <= 60 * 60
    age(3600)
    for _ in range(5):
        send()
        age(61)
    age(3600)
    with pytest.raises(TooManyCodes) as err:  # the day's limit: ten within 24 hours
        send()
    assert 20 * 3600 < err.value.extra["retry_after"] <= 24 * 3600
    age(24 * 3600)
    send()


def test_twenty_an_hour_per_address(send):
    for i in range(20):
        send(phone=f"1380013{i:04d}", ip="10.9.9.9")
    with pytest.raises(TooManyCodes):
        send(phone="13900000000", ip="10.9.9.9")
    send(phone="13900000000", ip="10.9.9.8")
    send(phone="13900000001", ip=None)  # no address known: only the number's limits


def test_limits_come_from_settings(send, settings):
    settings.SMS_CODE_INTERVAL_SECONDS = 0
    settings.SMS_CODE_PER_HOUR = 2
    send()
    send()
    with pytest.raises(TooManyCodes):
        send()


def test_error_message_in_english(send):
    send()
    with translation.override("en"), pytest.raises(TooManyCodes) as err:
        send()
    with translation.override("en"):
        assert str(err.value.message).startswith("Too many codes were asked for. Try again in")


def test_fixed_code_only_when_debug(settings, send):
    settings.SMS_CODE_FIXED = "000000"
    settings.DEBUG = True
    assert send() == "000000"
    assert sms_code_verify(phone=PHONE, code="000000") is True
    settings.DEBUG = False
    assert send(phone="13900139000") != "000000"  # (one chance in a million of a false alarm)


def test_old_codes_are_pruned(send):
    send()
    age(3 * 24 * 3600)
    send()
    assert phone_codes_prune() == 1
    assert PhoneCode.objects.count() == 1
    assert timezone.now() - PhoneCode.objects.get().created_at < datetime.timedelta(minutes=1)
