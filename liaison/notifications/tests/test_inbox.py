"""The in-app inbox: scoping (another user's notification is 404), unread first, mark read with htmx,
the unread badge at one query per page, and the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.core.models import AuditLog
from liaison.notifications.models import Notification
from liaison.notifications.services import notify

pytestmark = pytest.mark.django_db


def tell(user, n=1, **ctx):
    return [
        notify(kind="test.hello", context={"name": f"第{i}条", "thing_id": i, **ctx}, user=user)[0] for i in range(n)
    ]


def notification_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]


def test_inbox_lists_own_notifications_unread_first(client, world):
    me, other = world.users["officer"], world.users["leader"]
    old, new = tell(me, 2)
    Notification.objects.filter(pk=new.pk).update(read_at=old.created_at)
    tell(other, 1, name="别人的通知")
    client.force_login(me)
    text = client.get("/work/notifications/").content.decode()
    assert "别人的通知" not in text
    assert text.index(f'id="notification-{old.pk}"') < text.index(f'id="notification-{new.pk}"')
    unread_only = client.get("/work/notifications/?unread=1").content.decode()
    assert f'id="notification-{old.pk}"' in unread_only and f'id="notification-{new.pk}"' not in unread_only


def test_another_users_notification_is_not_found(client, world):
    (mine,) = tell(world.users["officer"])
    client.force_login(world.users["leader"])
    assert client.post(f"/work/notifications/{mine.pk}/read/").status_code == 404
    assert client.post(f"/work/notifications/{mine.pk}/open/").status_code == 404
    assert client.post("/work/notifications/999999/read/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_login_and_a_workspace_role_required(client, world):
    assert client.get("/work/notifications/").status_code == 302
    client.force_login(world.users["nobody"])
    assert client.get("/work/notifications/").status_code == 403
    assert client.get("/api/notifications/").status_code == 403


def test_mark_read_with_htmx_swaps_the_row_and_the_badge(client, world):
    me = world.users["officer"]
    first, _second = tell(me, 2)
    client.force_login(me)
    response = client.post(f"/work/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in html and "标为已读" not in html
    assert 'id="notification-badge"' in html and 'hx-swap-oob="true"' in html and ">1<" in html
    first.refresh_from_db()
    assert first.read_at is not None
    audit = AuditLog.objects.get(model="notifications.Notification", object_id=str(first.pk))
    assert audit.actor == me and audit.after["read_at"]
    # marking again changes nothing and writes no second record
    client.post(f"/work/notifications/{first.pk}/read/")
    assert AuditLog.objects.filter(model="notifications.Notification").count() == 1


def test_mark_all_read(client, world):
    me, other = world.users["officer"], world.users["leader"]
    tell(me, 3)
    tell(other, 1)
    client.force_login(me)
    response = client.post("/work/notifications/read-all/", HTTP_HX_REQUEST="true")
    assert 'id="inbox-list"' in response.content.decode()
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    audit = AuditLog.objects.get(model="notifications.Notification")
    assert audit.after["marked_read"] == 3
    assert client.post("/work/notifications/read-all/").status_code == 302


def test_open_marks_read_and_follows_only_local_links(client, world):
    me = world.users["officer"]
    (row,) = tell(me)
    client.force_login(me)
    response = client.post(f"/work/notifications/{row.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/work/things/0/"
    Notification.objects.filter(pk=row.pk).update(url="//evil.example/", read_at=None)
    assert client.post(f"/work/notifications/{row.pk}/open/")["Location"] == "/work/notifications/"


def test_inbox_query_count_is_constant(client, world, django_assert_max_num_queries):
    me = world.users["officer"]
    tell(me, 2)
    client.force_login(me)
    client.get("/work/notifications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/work/notifications/")
    tell(me, 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/work/notifications/").status_code == 200


def test_badge_costs_one_query_per_page(client, world):
    me = world.users["officer"]
    tell(me, 3)
    client.force_login(me)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/work/").content.decode()
    assert len(notification_queries(ctx)) == 1
    assert 'id="notification-badge"' in html and ">3<" in html
    with CaptureQueriesContext(connection) as ctx:
        client.get("/work/notifications/")
    assert len(notification_queries(ctx)) <= 3  # the badge, the page's count and its rows


# --- API --------------------------------------------------------------------------------------------


def test_api_lists_own_notifications(client, world):
    me, other = world.users["officer"], world.users["leader"]
    tell(me, 2)
    tell(other, 1)
    client.force_login(me)
    data = client.get("/api/notifications/").json()
    assert data["count"] == 2 and data["unread"] == 2
    assert {item["body"][:9] for item in data["items"]} == {"Hello 第0条", "Hello 第1条"}
    assert client.get("/api/notifications/?unread=true&limit=1").json()["limit"] == 1


def test_api_mark_read_and_scope(client, world):
    me, other = world.users["officer"], world.users["leader"]
    (mine,) = tell(me)
    (theirs,) = tell(other)
    client.force_login(me)
    response = client.post(f"/api/notifications/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["unread"] is False
    response = client.post(f"/api/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.logout()
    assert client.get("/api/notifications/").status_code == 401
