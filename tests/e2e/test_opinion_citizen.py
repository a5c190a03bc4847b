"""A citizen on a phone, in headless Chromium, on the demo data: opens a station's page (where the QR
poster leads), taps "send an opinion", writes it, gives a phone number and confirms it with the SMS
code (read from the offline outbox, as the demo does), sends it, sees the tracking code and opens the
tracking page. Nothing wider than the 360-pixel screen; no request leaves the machine."""

import json
import re

import pytest
from django.core.management import call_command

from liaison.opinions.models import Opinion
from liaison.regions.models import Region
from liaison.stations.models import Station

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "13912345678"
TEXT = "我们小区门口的路灯坏了两个多月，晚上出行很不安全，希望尽快修好。"
NAME = "王小明"


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    call_command("demo", verbosity=0)
    return live_server


def _fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _sms_code(outbox, phone: str) -> str:
    """The newest verification code written to the offline SMS outbox for `phone` (shown masked)."""
    masked = phone[:3] + "****" + phone[-4:]
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines() if line.strip()]
    codes = [m for m in lines if m["kind"] == "sms_code" and m["to"] == masked]
    assert codes, f"no SMS code for {masked} in the outbox"
    return re.search(r"\d{6}", codes[-1]["body"]).group(0)


def test_citizen_sends_an_opinion_from_a_station_page_and_follows_it(demo, phone, shot, settings):
    base = demo.url
    outside = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    station = (
        Station.objects.filter(is_active=True, region__level="township").select_related("region").order_by("id").first()
    )
    assert Region.objects.filter(parent=station.region).exists(), "the demo township has villages"

    # The station's page: the button to send an opinion.
    phone.goto(f"{base}/stations/{station.pk}/")
    assert station.name in phone.locator("h1").inner_text()
    assert _fits_phone(phone)
    shot(phone, "citizen-1-station")
    phone.get_by_role("link", name="在线向代表反映意见建议").click()
    phone.wait_for_url(f"**/stations/{station.pk}/opinions/new/")
    assert "向代表提意见" in phone.locator("h1").inner_text()
    assert _fits_phone(phone)

    # The form: the text, a village of the station's township (the menus reload by htmx), a category.
    phone.fill("textarea[name=text]", TEXT)
    village_menu = phone.locator("#region-fields select[name=region]").first
    village_menu.select_option(index=1)
    village = village_menu.locator("option").nth(1).get_attribute("value")
    phone.wait_for_function(
        "v => document.querySelector('#region-fields select[name=region]').value === v", arg=village
    )
    phone.locator("select[name=category]").select_option(index=3)
    phone.fill("input[name=location]", "幸福小区南门")

    # The phone number and its SMS code; the form keeps everything typed.
    phone.fill("input[name=name]", NAME)
    phone.fill("input[name=phone]", PHONE)
    phone.get_by_role("button", name="发送验证码").click()
    status = phone.locator("#code-status")
    status.get_by_text("验证码已发送").wait_for()
    assert "139****5678" in status.inner_text()
    assert phone.locator("textarea[name=text]").input_value() == TEXT
    phone.fill("input[name=sms_code]", _sms_code(settings.NOTIFY_OUTBOX_FILE, PHONE))
    phone.get_by_role("radio", name="短信").check()
    assert _fits_phone(phone)
    shot(phone, "citizen-2-form")

    phone.get_by_role("button", name="提交意见").click()
    phone.wait_for_url(re.compile(r"/track/[0-9A-Z]{12}/receipt/$"))
    code = re.search(r"/track/([0-9A-Z]{12})/receipt/", phone.url).group(1)
    opinion = Opinion.objects.get(tracking_code=code)
    assert phone.locator("#tracking-code").inner_text().strip() == code
    assert opinion.phone_verified and opinion.submitter_name == NAME and opinion.station_id == station.pk
    assert opinion.region_id == int(village) and opinion.notify_by == "sms"
    assert "接下来会怎样" in phone.locator("main").inner_text()
    assert _fits_phone(phone)
    shot(phone, "citizen-3-receipt")

    # The tracking page: status and progress, no personal data.
    phone.locator(f"main a.btn[href='/track/{code}/']").click()
    phone.wait_for_url(f"**/track/{code}/")
    main = phone.locator("main").inner_text()
    assert code in main and "已提交" in main and "已收到" in main
    assert NAME not in main and PHONE not in main and "5678" not in main
    assert _fits_phone(phone)
    shot(phone, "citizen-4-track")

    # Later, from the home page: the lookup takes the code as people type it.
    phone.goto(f"{base}/track/")
    phone.fill("input[name=code]", f"{code[:4].lower()}-{code[4:8]} {code[8:].lower()}")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(f"**/track/{code}/")
    assert outside == [], f"requests left the machine: {outside}"


def test_published_results_and_an_unknown_code_on_a_phone(demo, phone, shot):
    base = demo.url
    phone.goto(f"{base}/opinions/")
    assert "意见办理结果" in phone.locator("h1").inner_text()
    assert _fits_phone(phone)
    shot(phone, "citizen-5-published")
    phone.goto(f"{base}/track/ABCDEFGHJKMN/")
    assert "未找到该跟踪码" in phone.locator("h1").inner_text()
    assert _fits_phone(phone)
    shot(phone, "citizen-6-unknown-code")


def test_an_answered_opinion_on_a_phone(demo, phone, shot):
    base = demo.url
    answered = Opinion.objects.filter(status=Opinion.Status.FED_BACK, merged_into__isnull=True).first()
    assert answered is not None, "the demo has answered opinions"
    phone.goto(f"{base}/track/{answered.tracking_code}/")
    main = phone.locator("main").inner_text()
    assert "答复" in main and "您对答复满意吗？" in main
    if answered.submitter_name:
        assert answered.submitter_name not in main
    assert phone.locator("#answer").is_visible()
    assert _fits_phone(phone)
    shot(phone, "citizen-7-answered")
