"""A liaison officer reads in-app notifications in headless Chromium: the workspace's bell shows the
unread count; in the inbox, "mark read" swaps the row and the bell with htmx (no reload), "mark all
read" empties the count; nothing is fetched from outside the machine."""

import pytest

from liaison.core.testing import PASSWORD
from liaison.notifications.models import Notification
from liaison.notifications.services import notify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REMINDER = {
    "name": "王",
    "date": "2026-12-10",
    "start": "09:00",
    "end": "11:00",
    "address": "人民路1号",
    "topic": "",
    "station_id": 1,
}


def test_officer_reads_notifications(live_server, world, page, shot):
    base = live_server.url
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    officer = world.users["officer"]
    region = world.regions["county"]
    for station in ("第一站", "第二站", "第三站"):
        notify(kind="stations.duty_reminder", context=dict(REMINDER, station=station), user=officer, related=region)
    notify(kind="stations.duty_reminder", context=dict(REMINDER, station="别人的站"), user=world.users["leader"])

    page.goto(base + "/accounts/login/?next=/work/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/")
    badge = page.locator("#notification-badge")
    assert badge.locator(".badge").inner_text().startswith("3")

    badge.click()
    page.wait_for_url("**/work/notifications/")
    rows = page.locator("#inbox-list .list-group-item")
    assert rows.count() == 3
    assert "第三站" in page.content() and "别人的站" not in page.content()
    page.evaluate("window.__same_page = true")

    first = Notification.objects.filter(user=officer).order_by("-created_at", "-id").first()
    page.locator(f"#notification-{first.pk} button", has_text="标为已读").click()
    page.wait_for_function(f"!document.querySelector('#notification-{first.pk} .fw-bold')")
    assert page.locator("#notification-badge .badge").inner_text().startswith("2")
    assert page.evaluate("window.__same_page") is True  # swapped in place, not reloaded
    shot(page, "notifications-inbox")

    page.locator("button", has_text="全部标为已读").click()
    page.wait_for_function("!document.querySelector('#notification-badge .badge')")
    assert page.evaluate("window.__same_page") is True
    assert not Notification.objects.filter(user=officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.users["leader"], read_at__isnull=True).count() == 1
    assert outside == []
