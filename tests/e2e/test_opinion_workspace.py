"""The liaison office's opinion workspace in headless Chromium, on the demo data: the triage queue
(filters, the deadline column, a bulk acceptance reported row by row), an opinion's page with its
history and step forms, the publication form with the redaction preview beside the original, and the
overdue board — in Chinese and in English, with screenshots under var/screenshots/."""

import re

import pytest
from django.core.management import call_command

from liaison.opinions.models import Opinion
from tests.e2e.conftest import _context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Liaison-2026!"


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    call_command("demo", verbosity=0)
    return live_server


def _log_in(browser, base: str, username: str):
    context = _context(browser, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/work/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/")
    return page


def _english(page):
    page.locator("form[action='/i18n/setlang/'] button[value=en]").click()
    page.wait_for_load_state()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_officer_triages_in_the_workspace(demo, browser, shot):
    base = demo.url
    page = _log_in(browser, base, "town_officer")
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

    # The home page counts the queue; the menu leads to it.
    assert page.locator("a.card[href='/work/opinions/']").is_visible()
    page.locator(".list-group a[href='/work/opinions/']").click()
    page.wait_for_url("**/work/opinions/")
    rows = page.locator("table tbody tr")
    assert rows.count() > 1
    assert "群众意见" in page.locator("h1").inner_text()
    assert _fits(page)
    shot(page, "opinions-queue-zh")

    # Only what is waiting for acceptance; accept two of them at once.
    page.select_option("select[name=status]", "submitted")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"status=submitted"))
    checks = page.locator("input.row-check")
    if checks.count() >= 2:
        codes = [page.locator("table tbody tr").nth(i).locator("td").nth(1).inner_text() for i in range(2)]
        checks.nth(0).check()
        checks.nth(1).check()
        page.select_option("#id_action", "accept")
        page.select_option("#id_level", "township")
        page.locator("#bulk-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"status=submitted"))
        success = page.locator(".alert-success").inner_text()
        assert all(code.strip() in success for code in codes)
        for code in codes:
            assert Opinion.objects.get(tracking_code=code.strip()).status == "accepted"

    # A replied opinion: the units' replies, the timeline, and the feed-back form prefilled.
    replied = Opinion.objects.filter(status="replied", queue_region__name="城关镇").order_by("id").first()
    target = replied or Opinion.objects.filter(queue_region__name="城关镇", assignments__isnull=False).first()
    page.goto(f"{base}/work/opinions/{target.pk}/")
    assert target.tracking_code in page.content()
    assert page.locator("#timeline").is_visible()
    if replied:
        panel = page.locator("details#step-feed_back")
        panel.locator("summary").click()
        assert panel.locator("textarea[name=answer]").input_value().strip() != ""
    shot(page, "opinion-page-zh")

    # A fed-back one: the publication form, redacted proposal beside the original.
    fed = Opinion.objects.filter(status="fed_back", queue_region__name="城关镇", is_published=False).first()
    if fed:
        page.goto(f"{base}/work/opinions/{fed.pk}/")
        page.locator("details#step-publish summary").click()
        assert page.locator("details#step-publish textarea[name=text]").is_visible()
        shot(page, "opinion-publish-zh")

    page.goto(f"{base}/work/opinions/overdue/")
    shot(page, "opinions-overdue-zh")

    # The township's own category beside the default list.
    page.goto(f"{base}/work/opinions/categories/")
    page.fill("#id_name", "水利设施")
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_url("**/work/opinions/categories/")
    assert page.locator("table", has_text="水利设施").is_visible()
    shot(page, "opinions-categories-zh")

    # The same in English.
    _english(page)
    page.goto(f"{base}/work/opinions/")
    assert "Opinions" in page.locator("h1").inner_text()
    assert page.locator("th", has_text="Reply due").count() == 1
    shot(page, "opinions-queue-en")
    page.goto(f"{base}/work/opinions/{target.pk}/")
    assert page.locator("h2", has_text="Timeline").is_visible()
    shot(page, "opinion-page-en")
    assert outside == [], f"requests left the machine: {outside}"
