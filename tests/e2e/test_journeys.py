"""The two journeys issue 2 names, on the demo data, in headless Chromium:
a citizen browses deputies and a station's roster on a phone; an officer logs in and edits a deputy."""

import re

import pytest
from django.core.management import call_command

from liaison.deputies.models import Mandate, Person
from liaison.stations.models import DutySlot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Liaison-2026!"


@pytest.fixture
def demo(live_server):
    call_command("demo", verbosity=0)
    return live_server


def _fits_phone(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_citizen_browses_deputies_and_a_station_roster_on_a_phone(demo, phone, shot):
    base = demo.url
    outside = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

    # Home: drill down to a township, then to its deputies.
    phone.goto(base + "/")
    assert _fits_phone(phone)
    phone.get_by_role("link", name="示范省").click()
    phone.get_by_role("link", name="示范市").click()
    county = phone.locator("main a.btn-outline-secondary[href^='?region=']").first
    county.click()
    phone.locator("main a.btn-outline-secondary[href^='?region=']").first.click()  # a township
    phone.locator("a.card", has_text=re.compile("的代表")).click()
    phone.wait_for_url(re.compile(r"/deputies/\?region=\d+"))
    cards = phone.locator("a[href^='/deputies/'][href$='/']")
    assert cards.count() > 0
    assert _fits_phone(phone)
    shot(phone, "phone-deputies")

    # Search by pinyin initials of a real demo deputy and open the page.
    person = Person.objects.filter(mandates__status=Mandate.Status.SERVING).order_by("id").first()
    phone.goto(base + "/deputies/")
    phone.fill("input[name=q]", person.name_initials)
    phone.locator("form[role=search] button[type=submit]").click()
    phone.locator(f"a[href='/deputies/{person.pk}/']").first.click()
    phone.wait_for_url(f"**/deputies/{person.pk}/")
    assert person.name in phone.locator("h1").inner_text()
    assert _fits_phone(phone)
    shot(phone, "phone-deputy")

    # A station with published reception days: its roster is on its page, with the calendar feed.
    slot = DutySlot.objects.filter(published_at__isnull=False).select_related("station").order_by("date").first()
    phone.goto(base + "/stations/")
    assert phone.locator("a[href^='/stations/']").count() > 0
    phone.goto(base + f"/stations/{slot.station_id}/")
    assert slot.station.name in phone.locator("h1").inner_text()
    body = phone.locator("main").inner_text()
    assert slot.date.strftime("%Y-%m-%d") in body or f"{slot.date.month}月{slot.date.day}日" in body
    assert phone.locator(f"a[href='/stations/{slot.station_id}/calendar.ics']").count() == 1
    assert _fits_phone(phone)
    shot(phone, "phone-station")
    assert outside == [], f"requests left the machine: {outside}"


def test_officer_logs_in_and_edits_a_deputy(demo, page, shot):
    base = demo.url
    page.goto(base + "/accounts/login/?next=/work/deputies/")
    page.fill("input[name=username]", "county_officer")
    page.fill("input[name=password]", "wrong password")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".alert-danger").is_visible()  # told plainly, in Chinese
    page.fill("input[name=username]", "county_officer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/deputies/")
    shot(page, "officer-deputies")

    first = page.locator("table a[href^='/work/deputies/']").first
    first.click()
    page.wait_for_url(re.compile(r"/work/deputies/\d+/$"))
    pk = int(re.search(r"/work/deputies/(\d+)/", page.url).group(1))
    page.locator(f"a[href='/work/deputies/{pk}/edit/']").click()
    page.fill("input[name=occupation]", "乡村医生")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"**/work/deputies/{pk}/")
    assert "乡村医生" in page.locator("main").inner_text()
    assert Person.objects.get(pk=pk).occupation == "乡村医生"
    shot(page, "officer-edited")

    # The same page in English.
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert "Edit" in page.locator("main").inner_text()
    assert "乡村医生" in page.locator("main").inner_text()

    # Public page shows the change.
    page.goto(base + f"/deputies/{pk}/")
    assert "乡村医生" in page.locator("main").inner_text()
