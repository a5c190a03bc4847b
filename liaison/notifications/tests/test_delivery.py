"""Delivery: backend failures, retries with backoff, giving up, the sweep, the lease, sending again."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from liaison.core.models import AuditLog
from liaison.notifications import services
from liaison.notifications.exceptions import NotRetryable, SecretGone
from liaison.notifications.models import DeliveryAttempt, Notification
from liaison.notifications.services import notify

from . import backends
from .conftest import outbox_lines

pytestmark = pytest.mark.django_db

FAILING = "liaison.notifications.tests.backends.FailingBackend"
RECORDING = "liaison.notifications.tests.backends.RecordingBackend"


def sms(**kwargs):
    (row,) = notify(kind="test.hello", context={"name": "甲"}, phone="13800138000", channels=("sms",), **kwargs)
    return row


def make_due(row):
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_failure_schedules_retries_with_backoff_then_gives_up(world, settings, committed):
    settings.SMS_BACKEND = FAILING
    with committed():
        row = sms()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ConnectionError: gateway unreachable" in row.last_error
    waits = []
    for _ in range(4):
        waits.append(round((row.next_attempt_at - row.updated_at).total_seconds() / 60))
        assert services.notification_deliver(notification_id=row.pk) == "skipped"  # not due yet
        make_due(row)
        services.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
    assert waits == [1, 5, 30, 120]
    assert (row.status, row.attempts, row.next_attempt_at) == ("given_up", 5, None)
    assert DeliveryAttempt.objects.filter(notification=row, ok=False).count() == 5
    assert services.notification_deliver(notification_id=row.pk) == "skipped"


def test_a_later_success_ends_the_retries(world, settings, committed, outbox_file):
    settings.SMS_BACKEND = FAILING
    with committed():
        row = sms()
    settings.SMS_BACKEND = "liaison.notifications.backends.LogBackend"
    make_due(row)
    assert services.notifications_retry_due() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("sent", 2, "", None)
    assert len(outbox_lines(outbox_file)) == 1
    assert list(row.delivery_attempts.values_list("ok", flat=True)) == [False, True]


def test_sweep_picks_due_failures_lost_tasks_and_expired_leases_only(world, settings):
    settings.SMS_BACKEND = RECORDING
    now = timezone.now()
    fresh = sms()  # pending, its task not run yet: left to the task
    lost = sms()
    Notification.objects.filter(pk=lost.pk).update(next_attempt_at=now - datetime.timedelta(minutes=5))
    waiting = sms()
    Notification.objects.filter(pk=waiting.pk).update(
        status="failed", next_attempt_at=now + datetime.timedelta(minutes=3)
    )
    due = sms()
    Notification.objects.filter(pk=due.pk).update(status="failed", next_attempt_at=now - datetime.timedelta(seconds=5))
    in_flight = sms()
    Notification.objects.filter(pk=in_flight.pk).update(
        status="sending", next_attempt_at=now + datetime.timedelta(minutes=4)
    )
    crashed = sms()
    Notification.objects.filter(pk=crashed.pk).update(
        status="sending", next_attempt_at=now - datetime.timedelta(minutes=1)
    )
    done = sms()
    Notification.objects.filter(pk=done.pk).update(status="sent", next_attempt_at=None)
    assert services.notifications_retry_due() == 3
    assert sorted(m.notification_id for m in backends.SENT) == sorted([lost.pk, due.pk, crashed.pk])
    status = dict(Notification.objects.values_list("pk", "status"))
    assert status[fresh.pk] == "pending" and status[waiting.pk] == "failed" and status[in_flight.pk] == "sending"


def test_claim_is_taken_once(world, settings):
    settings.SMS_BACKEND = RECORDING
    row = sms()
    now = timezone.now()
    assert services._claim(row.pk, now) is True
    assert services._claim(row.pk, now) is False  # the lease holds it
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sending", 1)


def test_email_through_django_mail(world, settings, committed):
    settings.NOTIFY_EMAIL_BACKEND = "liaison.notifications.backends.DjangoMailBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with committed():
        notify(kind="test.hello", context={"name": "甲", "thing_id": 3}, email="a@example.cn", channels=("email",))
    (message,) = mail.outbox
    assert message.to == ["a@example.cn"] and message.subject == "验证码"
    assert "Hello 甲" in message.body and message.body.endswith("/work/things/3/")


def test_retry_now_is_audited_and_sends(world, settings, committed):
    settings.SMS_BACKEND = FAILING
    settings.NOTIFY_MAX_ATTEMPTS = 1
    with committed():
        row = sms()
    row.refresh_from_db()
    assert row.status == "given_up"
    settings.SMS_BACKEND = RECORDING
    admin = world.users["sysadmin"]
    with committed():
        services.notification_retry(actor=admin, notification=row, reason="gateway back")
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    audit = AuditLog.objects.get(model="notifications.Notification", object_id=str(row.pk))
    assert audit.actor == admin and audit.reason == "gateway back"
    assert audit.before["status"] == "given_up" and audit.after["status"] == "pending"


def test_retry_now_refuses_what_cannot_be_sent_again(world, settings, committed):
    (inbox,) = notify(kind="test.hello", context={}, user=world.users["officer"])
    with pytest.raises(NotRetryable):
        services.notification_retry(actor=world.users["sysadmin"], notification=inbox)
    settings.SMS_BACKEND = FAILING
    settings.NOTIFY_MAX_ATTEMPTS = 1
    with committed():
        (secret,) = notify(kind="test.secret", context={"code": "654321"}, phone="13800138000", channels=("sms",))
    secret.refresh_from_db()
    assert secret.status == "given_up" and secret.sealed_body == ""
    with pytest.raises(SecretGone):
        services.notification_retry(actor=world.users["sysadmin"], notification=secret)
    assert not AuditLog.objects.filter(model="notifications.Notification").exists()
