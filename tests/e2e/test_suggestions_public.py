"""A citizen on a phone reads the published deputies' suggestions (003 §84) in headless Chromium: the
list, a search, one suggestion with its reply and commitments — nothing wider than the 360-pixel
screen — and, from the tracking page of an opinion taken up in a suggestion, the link to it."""

import pytest

from liaison.opinions import services as opinion_services
from liaison.proposals import services
from liaison.proposals.models import Suggestion
from liaison.proposals.tests.conftest import pw  # noqa: F401 - the proposals world as a fixture here

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_TEXT = (
    "县城主干道早晚高峰拥堵严重，学生上学、群众上班出行困难，部分路口排队超过十分钟。建议优化信号灯配时，"
    "增设公交专用道，规划建设公共停车场，并在学校周边设置临时停车区和护学岗。"
    "联系人刘群众，电话13912345678。"
)


def _fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _publish(pw, suggestion, lead: str, signers=()) -> None:  # noqa: F811
    for name in (lead, *signers):
        services.suggestion_rate(actor=pw.users[name], suggestion_id=suggestion.pk, satisfaction="satisfied")
    services.suggestion_agree_disclosure(actor=pw.users[lead], suggestion_id=suggestion.pk)
    services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)


@pytest.fixture
def published(pw, live_server):  # noqa: F811
    opinion, _secret = opinion_services.opinion_submit(
        actor=pw.users["officer"],
        channel="visit",
        region=pw.w.regions["county"],
        text="县城主干道每天早上堵车一个多小时，希望政府想想办法。",
        received_by=pw.persons["li"],
        name="刘群众",
    )
    first, _rows = pw.assigned(cosigners=("zhang", "wang"), text=LONG_TEXT, opinion_ids=[opinion.pk])
    pw.reply(
        first, answer_class="B", commitments=["年底前完成主干道十二个路口信号灯配时优化", "明年建成两处公共停车场"]
    )
    _publish(pw, first, "li", ("zhang", "wang"))
    second, _rows = pw.assigned(lead="zhao", co=(), title="关于加强县城校园周边交通安全管理的建议")
    pw.reply(second, answer_class="A")
    _publish(pw, second, "zhao")
    return {"base": live_server.url, "first": Suggestion.objects.get(pk=first.pk), "opinion": opinion}


def test_a_citizen_reads_published_suggestions_on_a_phone(published, phone, shot):
    base, first = published["base"], published["first"]
    outside = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)

    phone.goto(f"{base}/suggestions/")
    assert "代表建议" in phone.locator("h1").inner_text()
    assert phone.locator("#suggestions .list-group-item").count() == 2
    assert _fits_phone(phone)
    shot(phone, "suggestions-1-list-360")

    phone.get_by_role("searchbox").fill("校园周边")
    phone.get_by_role("button", name="搜索").click()
    phone.wait_for_url("**/suggestions/?q=*")
    assert phone.locator("#suggestions .list-group-item").count() == 1

    phone.goto(f"{base}/suggestions/")
    phone.get_by_role("link", name=first.title).click()
    phone.wait_for_url(f"**/suggestions/{first.pk}/")
    assert first.title in phone.locator("h1").inner_text()
    assert "李代表" in phone.locator("#deputies").inner_text()
    assert "甲一县教育局" in phone.locator("#units").inner_text()
    reply = phone.locator("#reply").inner_text()
    assert "明年建成两处公共停车场" in reply
    text = phone.locator("#text").inner_text()
    assert "13912345678" not in text and "刘群众" not in text
    assert _fits_phone(phone)
    shot(phone, "suggestions-2-detail-360")

    phone.goto(f"{base}/track/{published['opinion'].tracking_code}/")
    phone.get_by_role("link", name="查看建议及答复").click()
    phone.wait_for_url(f"**/suggestions/{first.pk}/")
    assert not outside, outside
