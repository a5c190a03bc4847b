"""In headless Chromium: station staff keep the day's work log from the keyboard and print it; a
handling unit finds the opinion in its queue, sees the citizen's full contact, accepts and replies with
a photo."""

import re

import pytest
from PIL import Image

from liaison.core.testing import PASSWORD
from liaison.opinions import services
from liaison.opinions.models import Assignment, Opinion
from liaison.opinions.tests.conftest import ow, submit  # noqa: F401 (fixtures)
from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base, user, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def test_station_staff_keep_the_days_log_from_the_keyboard(live_server, ow, page, shot):  # noqa: F811
    base = live_server.url
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    log_in(page, base, ow.users["staff"], "/work/worklog/")

    # The text box has the focus: type, then Ctrl+Enter saves.
    page.keyboard.type("村民反映村口路灯坏了一个多月，晚上出行不安全。")
    page.get_by_label("群众姓名").fill("张大爷")
    page.get_by_label("群众电话").fill("13812345678")
    page.locator("textarea[name=text]").press("Control+Enter")
    page.wait_for_url(re.compile(r"/work/worklog/\?station="))
    first = Opinion.objects.get()
    assert first.tracking_code in page.locator(".alert-success").inner_text()
    # Ready for the next one: empty, focused, the deputy kept.
    assert page.evaluate("document.activeElement.name") == "text"
    assert page.locator("textarea[name=text]").input_value() == ""

    page.locator("input[name=channel][value=phone] + label").click()
    page.keyboard.press("Tab")
    page.locator("textarea[name=text]").fill("来电询问城乡居民医保缴费时间。")
    page.locator("textarea[name=answer]").fill("已当场告知：每年9月至12月在村委会或手机上缴纳。")
    page.locator("#worklog-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/work/worklog/\?station="))
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    assert "已当场告知" in rows.nth(1).inner_text()
    assert "138****5678" in rows.nth(0).inner_text()
    assert Opinion.objects.filter(status=Opinion.Status.ANSWERED_ON_SPOT).count() == 1
    shot(page, "worklog")

    # The printable log, in the paper book's layout.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="打印日志").click()
    printable = popup.value
    printable.wait_for_load_state()
    assert "民情工作日志" in printable.locator("h1").inner_text()
    assert printable.locator("table tbody tr").count() == 2
    printable.emulate_media(media="print")
    shot(printable, "worklog-print")
    printable.pdf(path=str(SCREENSHOTS / "worklog-print.pdf"), prefer_css_page_size=True)
    assert outside == [], f"requests left the machine: {outside}"


def test_a_unit_accepts_and_replies_with_a_photo(live_server, ow, submit, page, shot, tmp_path):  # noqa: F811
    opinion = submit(actor=ow.users["staff"], channel="visit", phone="13812345678")
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    (assignment,) = services.opinion_assign(
        actor=ow.users["staff"],
        opinion_id=opinion.pk,
        units=[ow.units["town_gov"]],
        instructions="请实地查看村口道路，十五个工作日内答复群众。",
    )
    base = live_server.url
    log_in(page, base, ow.users["town_unit"], "/work/units/")
    assert opinion.tracking_code in page.locator("main table").inner_text()
    shot(page, "unit-queue")

    page.get_by_role("link", name=opinion.tracking_code).click()
    page.wait_for_url(f"**/work/units/assignments/{assignment.pk}/")
    assert "138****5678" in page.locator("#citizen-contact").inner_text()
    page.get_by_role("button", name="显示完整联系方式").click()
    page.wait_for_selector("#citizen-contact a[href='tel:13812345678']")
    shot(page, "unit-assignment")

    page.get_by_role("button", name="签收交办").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").is_visible()
    photo = tmp_path / "现场.png"
    Image.new("RGB", (40, 30), "gray").save(photo)
    page.locator("#step-reply textarea[name=text]").fill("已安排施工队修补村口路面，预计本周五完工。")
    page.locator("#step-reply input[type=file]").set_input_files(str(photo))
    page.locator("#step-reply button[type=submit]").click()
    page.wait_for_load_state()
    assert "现场.png" in page.locator("main").inner_text()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.REPLIED
    shot(page, "unit-replied")
