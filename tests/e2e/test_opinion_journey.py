"""The whole opinion journey of issue 3 in headless Chromium, on the demo data: a citizen on a phone
opens a station's online opinion page (the QR code's target), sends an opinion with a confirmed phone
and gets a tracking code; the station's staff accept it and assign it to the township government; the
unit replies; the staff feed the answer back and the citizen is told by SMS (the offline outbox); the
citizen reads the answer on the tracking page and rates it; the staff record the return visit, which
closes it, and publish the result, which the public list then shows without personal data."""

import json
import re

import pytest
from django.core.management import call_command

from liaison.core.testing import PASSWORD, make_user
from liaison.notifications.models import Notification
from liaison.opinions.models import Opinion
from liaison.regions.models import HandlingUnit
from liaison.stations.models import Station
from tests.e2e.conftest import _context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Liaison-2026!"
PHONE = "13698765432"
NAME = "赵大妈"
TEXT = "村卫生室每周只开门三天，老人看病拿药很不方便，希望能延长开放时间。"


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    call_command("demo", verbosity=0)
    return live_server


def _outbox(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _log_in(browser, base: str, username: str, password: str):
    context = _context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/work/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/")
    return page


def _step(page, action: str):
    """Open the step's panel on the opinion page and return it."""
    panel = page.locator(f"details#step-{action}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def test_from_a_citizen_on_a_phone_to_a_published_result(demo, browser, phone, shot, settings):
    base = demo.url
    outbox = settings.NOTIFY_OUTBOX_FILE
    staff_user = "station_staff"
    station = Station.objects.get(pk=_station_of(staff_user))
    township_gov = HandlingUnit.objects.filter(region=station.region, kind="government").first() or (
        HandlingUnit.objects.filter(region=station.region).first()
    )
    assert township_gov is not None, "the demo township has a handling unit"
    make_user("journey_unit", name="镇政府办理员", roles=[("handling_unit", {"unit": township_gov})])

    # 1. The citizen: the station's online opinion page, a confirmed phone, the tracking code.
    phone.goto(f"{base}/stations/{station.pk}/opinions/new/")
    phone.fill("textarea[name=text]", TEXT)
    phone.fill("input[name=name]", NAME)
    phone.fill("input[name=phone]", PHONE)
    phone.get_by_role("button", name="发送验证码").click()
    phone.locator("#code-status").get_by_text("验证码已发送").wait_for()
    code_sms = [m for m in _outbox(outbox) if m["kind"] == "sms_code"][-1]
    phone.fill("input[name=sms_code]", re.search(r"\d{6}", code_sms["body"]).group(0))
    phone.get_by_role("radio", name="短信").check()
    phone.get_by_role("button", name="提交意见").click()
    phone.wait_for_url(re.compile(r"/track/[0-9A-Z]{12}/receipt/$"))
    code = phone.locator("#tracking-code").inner_text().strip()
    opinion = Opinion.objects.get(tracking_code=code)
    assert opinion.station_id == station.pk and opinion.phone_verified
    shot(phone, "journey-1-receipt")

    # 2. The station's staff accept it as a township matter and assign it to the township government.
    staff = _log_in(browser, base, staff_user, DEMO_PASSWORD)
    staff.goto(f"{base}/work/opinions/{opinion.pk}/")
    assert code in staff.locator("main").inner_text()
    assert PHONE not in staff.locator("main").inner_text()  # masked
    panel = _step(staff, "accept")
    panel.locator("select[name=level]").select_option("township")
    panel.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    assert Opinion.objects.get(pk=opinion.pk).status == Opinion.Status.ACCEPTED
    panel = _step(staff, "assign")
    units = panel.locator("[name=units]")
    if units.first.evaluate("e => e.tagName") == "SELECT":
        units.first.select_option(str(township_gov.pk))
    else:
        panel.locator(f"[name=units][value='{township_gov.pk}']").check()
    panel.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.ASSIGNED and opinion.due_date
    shot(staff, "journey-2-assigned")

    # 3. The unit replies from its own workspace.
    unit = _log_in(browser, base, "journey_unit", PASSWORD)
    unit.goto(f"{base}/work/units/")
    unit.locator(f"a[href^='/work/units/assignments/']:has-text('{opinion.title[:8]}')").first.click()
    unit.wait_for_url(re.compile(r"/work/units/assignments/\d+/$"))
    reply = _step(unit, "reply")
    reply.locator("textarea[name=text]").fill("已协调卫生院，自下月起村卫生室每天上午开放，周末安排医生轮值。")
    reply.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    assert Opinion.objects.get(pk=opinion.pk).status == Opinion.Status.REPLIED
    shot(unit, "journey-3-replied")

    # 4. The staff feed the answer back; the citizen is told by SMS.
    staff.goto(f"{base}/work/opinions/{opinion.pk}/")
    panel = _step(staff, "feed_back")
    assert "卫生室" in panel.locator("textarea[name=answer]").input_value()  # prefilled with the reply
    panel.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    assert Opinion.objects.get(pk=opinion.pk).status == Opinion.Status.FED_BACK
    told = Notification.objects.get(kind="opinion.answered", channel="sms", related_id=str(opinion.pk))
    assert code in told.body
    assert any(m["kind"] == "opinion.answered" and m["to"] == "136****5432" for m in _outbox(outbox))

    # 5. The citizen reads the answer on the tracking page and rates it.
    phone.goto(f"{base}/track/{code}/")
    main = phone.locator("main").inner_text()
    assert "卫生室每天上午开放" in main and NAME not in main and PHONE not in main
    rate = phone.locator("#rate")
    rate.get_by_text("满意", exact=True).click()
    rate.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state()
    assert Opinion.objects.get(pk=opinion.pk).satisfaction == "satisfied"
    shot(phone, "journey-4-rated")

    # 6. The staff record the return visit (closed) and publish the result.
    staff.goto(f"{base}/work/opinions/{opinion.pk}/")
    panel = _step(staff, "return_visit")
    panel.locator("select[name=method]").select_option("phone")
    panel.locator("select[name=satisfaction]").select_option("satisfied")
    panel.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    assert Opinion.objects.get(pk=opinion.pk).status == Opinion.Status.CLOSED
    panel = _step(staff, "publish")
    panel.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    opinion.refresh_from_db()
    assert opinion.is_published and NAME not in opinion.published_text
    shot(staff, "journey-5-published")

    phone.goto(f"{base}/opinions/")
    assert opinion.published_title in phone.locator("main").inner_text()
    shot(phone, "journey-6-public-list")


def _station_of(username: str) -> int:
    from liaison.accounts.models import Role

    return Role.objects.get(user__username=username, kind="station_staff").station_id
