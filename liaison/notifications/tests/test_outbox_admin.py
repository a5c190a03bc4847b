"""The system administrator's outbox at /work/admin/outbox/: access, filters, detail, retry now."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.core.models import AuditLog
from liaison.notifications.models import Notification
from liaison.notifications.services import notify

pytestmark = pytest.mark.django_db


def failed_sms(n=1):
    rows = [
        notify(kind="test.hello", context={"name": f"甲{i}"}, phone=f"1380013800{i % 10}", channels=("sms",))[0]
        for i in range(n)
    ]
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        status="failed", attempts=1, last_error="ConnectionError: down", next_attempt_at=timezone.now()
    )
    return rows


@pytest.mark.parametrize(
    ("user", "status"),
    [("sysadmin", 200), ("secadmin", 403), ("auditor", 403), ("officer", 403), ("nobody", 403), (None, 302)],
)
def test_only_the_system_administrator(client, world, user, status):
    if user:
        client.force_login(world.users[user])
    assert client.get("/work/admin/outbox/").status_code == status


def test_list_filters_and_masks(client, world):
    (row,) = failed_sms()
    notify(kind="test.hello", context={"name": "乙"}, user=world.users["officer"])
    client.force_login(world.users["sysadmin"])
    html = client.get("/work/admin/outbox/?status=failed").content.decode()
    assert "138****8000" in html and "13800138000" not in html and "ConnectionError" in html
    assert "县联络员" not in html
    html = client.get("/work/admin/outbox/?channel=in_app").content.decode()
    assert "县联络员" in html and "138****8000" not in html
    html = client.get(f"/work/admin/outbox/{row.pk}/").content.decode()
    assert "Hello 甲0" in html


def test_list_query_count_is_constant(client, world, django_assert_max_num_queries):
    failed_sms(2)
    client.force_login(world.users["sysadmin"])
    client.get("/work/admin/outbox/")
    with CaptureQueriesContext(connection) as few:
        client.get("/work/admin/outbox/")
    failed_sms(30)
    for i in range(10):
        notify(kind="test.hello", context={"name": i}, user=world.users["officer"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/work/admin/outbox/").status_code == 200


def test_retry_now_from_the_list(client, world, committed):
    (row,) = failed_sms()
    client.force_login(world.users["sysadmin"])
    with committed():
        response = client.post(f"/work/admin/outbox/{row.pk}/retry/", {"back": "list", "query": "status=failed"})
    assert response["Location"] == "/work/admin/outbox/?status=failed"
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert AuditLog.objects.filter(model="notifications.Notification", object_id=str(row.pk)).exists()


def test_retry_now_refused_for_a_sent_message(client, world):
    (row,) = notify(kind="test.hello", context={}, user=world.users["officer"])
    client.force_login(world.users["sysadmin"])
    response = client.post(f"/work/admin/outbox/{row.pk}/retry/", follow=True)
    assert "只有发送失败" in response.content.decode()
    assert not AuditLog.objects.filter(model="notifications.Notification").exists()


def test_retry_needs_the_role(client, world):
    (row,) = failed_sms()
    client.force_login(world.users["secadmin"])
    assert client.post(f"/work/admin/outbox/{row.pk}/retry/").status_code == 403
    client.force_login(world.users["sysadmin"])
    assert client.post("/work/admin/outbox/999999/retry/").status_code == 404
