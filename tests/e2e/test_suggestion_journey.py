"""The suggestion part of issue 4's journey in headless Chromium: a deputy on a phone takes up an opinion
she received as a suggestion from the opinion's page, adds a second opinion, asks a colleague to
co-sign through the picker (htmx) and saves the draft; the colleague, on his phone, finds the
invitation and confirms; she submits it. The liaison office, at a desk, registers it and assigns it
to a lead unit and a co-unit. The lead unit, in its own pages, accepts it and asks for more time; the
office approves with an explanation to the deputies; the unit replies with class B, a commitment and
the reply document; both deputies rate the reply on their phones. Screenshots under var/screenshots/
(suggestion-*.png): phone width for the deputies, desktop for the office and the unit."""

import datetime
import re

import pytest

from liaison.core.testing import PASSWORD
from liaison.opinions import services as opinion_services
from liaison.opinions.models import Event as OpinionEvent
from liaison.opinions.models import Opinion
from liaison.proposals.models import Assignment, Evaluation, Extension, Reply, Signer, Suggestion
from liaison.proposals.tests.conftest import pw  # noqa: F401 (fixture)
from liaison.stations.tests.conftest import pdf_bytes
from tests.e2e.conftest import _context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "关于整治东风镇村道坑洼和路灯失修问题的建议"
TEXT = (
    "东风镇多个村的村道坑洼不平，雨天积水严重，部分路段路灯损坏多年无人维修，群众夜间出行存在安全隐患。"
    "建议县交通运输部门会同镇政府开展村道排查，年内完成主要路段修复，并建立路灯日常维护机制。"
)


def _phone(browser):
    context = _context(
        browser,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36",
    )
    return context.new_page()


def _desk(browser):
    return _context(browser, viewport={"width": 1280, "height": 900}).new_page()


def _log_in(page, base: str, user, then: str = "/work/"):
    page.goto(f"{base}/accounts/login/?next=/work/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/work/")
    if then != "/work/":
        page.goto(base + then)
    return page


def _step(page, action: str):
    """The step's panel on a page, opened."""
    panel = page.locator(f"#step-{action}")
    if panel.evaluate("e => e.tagName") == "DETAILS" and panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def _submit(page, panel):
    with page.expect_navigation():
        panel.locator("button[type=submit]").last.click()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _opinion(pw, text: str) -> Opinion:  # noqa: F811
    opinion, _secret = opinion_services.opinion_submit(
        actor=pw.users["li"],
        channel=Opinion.Channel.VISIT,
        region=pw.w.regions["town"],
        text=text,
        received_by=pw.persons["li"],
    )
    return opinion


def test_two_opinions_become_a_joint_suggestion_assigned_extended_answered_and_rated(
    live_server,
    browser,
    pw,  # noqa: F811
    shot,
):
    base = live_server.url
    first = _opinion(pw, "村口道路坑洼不平，雨天积水严重，群众出行困难，希望尽快修复。")
    second = _opinion(pw, "村里路灯损坏多年无人维修，晚上出行不安全。")
    zhang = pw.persons["zhang"]

    # 1. The deputy, on her phone, takes the first opinion up from its page.
    li = _log_in(_phone(browser), base, pw.users["li"], f"/work/opinions/{first.pk}/")
    li.locator("#take-up").click()
    li.wait_for_url(re.compile(rf"/work/proposals/new/\?opinion={first.pk}$"))
    assert li.locator(f"input[name=opinions][value='{first.pk}']").is_checked()
    li.locator(f"input[name=opinions][value='{second.pk}']").check()
    li.fill("input[name=title]", TITLE)
    li.fill("textarea[name=text]", TEXT)
    # the co-signer picker: typing narrows the deputies of the same congress (htmx)
    options = li.locator("#cosigner-options")
    assert options.get_by_text("王代表").count() == 1
    li.locator("#cosigner-q").fill("张")
    options.get_by_text("王代表").wait_for(state="detached")
    li.locator(f"#cosigner-options input[name=persons][value='{zhang.pk}']").check()
    li.locator("input[name=disclosure_agreed]").check()
    assert _no_horizontal_scroll(li)
    shot(li, "suggestion-1-new-phone")
    with li.expect_navigation():
        li.locator("#suggestion-form button[type=submit]").click()
    assert re.search(r"/work/proposals/\d+/$", li.url)
    suggestion = Suggestion.objects.get(title=TITLE)
    assert suggestion.status == Suggestion.Status.DRAFT and suggestion.disclosure_agreed
    assert set(suggestion.opinions.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert suggestion.signers.get(person=zhang).status == Signer.Status.INVITED
    assert "张代表" in li.locator("#signers").inner_text()
    assert _no_horizontal_scroll(li)
    shot(li, "suggestion-2-draft-phone")

    # 2. The colleague, on his phone, finds the invitation and confirms.
    zh = _log_in(_phone(browser), base, pw.users["zhang"], "/work/proposals/?tab=cosign")
    zh.locator("main .list-group a", has_text=TITLE).click()
    zh.wait_for_url(f"**/work/proposals/{suggestion.pk}/")
    assert "东风镇多个村的村道坑洼不平" in zh.locator("#text").inner_text()
    _submit(zh, _step(zh, "confirm"))
    assert suggestion.signers.get(person=zhang).status == Signer.Status.CONFIRMED
    assert _no_horizontal_scroll(zh)
    shot(zh, "suggestion-3-cosigned-phone")

    # 3. She submits it; the citizens' opinions now say they were taken up.
    li.reload()
    _submit(li, _step(li, "submit"))
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUBMITTED
    assert OpinionEvent.objects.filter(opinion__in=[first, second], action="taken_up", public=True).count() == 2

    # 4. The liaison office registers it and assigns it to a lead unit and a co-unit.
    office = _log_in(_desk(browser), base, pw.users["officer"], "/work/proposals/?status=submitted&sort=oldest")
    office.locator("#suggestion-table a", has_text=TITLE).click()
    office.wait_for_url(f"**/work/proposals/{suggestion.pk}/")
    _submit(office, _step(office, "register"))
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REGISTERED and suggestion.number == 1
    panel = _step(office, "assign")
    panel.locator("select[name=organ]").select_option(str(pw.organ.pk))
    panel.locator("select[name=lead_unit]").select_option(str(pw.units["county_edu"].pk))
    panel.locator(f"input[name=co_units][value='{pw.units['county_gov'].pk}']").check()
    panel.locator("textarea[name=instructions]").fill("请县教育局牵头，县政府协办，按期答复代表。")
    _submit(office, panel)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ASSIGNED and suggestion.deadline
    lead = Assignment.objects.get(suggestion=suggestion, role="lead")
    assert Assignment.objects.filter(suggestion=suggestion, role="co", unit=pw.units["county_gov"]).exists()
    assert "甲一县人民政府" in office.locator("#handling").inner_text()
    shot(office, "suggestion-4-office-assigned")

    # 5. The lead unit accepts it in its own pages and asks for more time.
    unit = _log_in(_desk(browser), base, pw.users["edu_unit"], "/work/proposals/units/")
    unit.goto(f"{base}/work/proposals/units/assignments/{lead.pk}/")
    _submit(unit, unit.locator("#step-accept"))
    panel = _step(unit, "extension")
    wanted = lead.deadline + datetime.timedelta(days=30)
    panel.locator("input[name=deadline]").fill(wanted.isoformat())
    panel.locator("textarea[name=reason]").fill("村道修复需会同交通、财政部门实地踏勘并测算资金，需延期一个月答复。")
    _submit(unit, panel)
    assert Extension.objects.get(assignment=lead).status == Extension.Status.PENDING

    # 6. The office approves it, with the explanation the deputies read.
    office.reload()
    panel = _step(office, "decide_extension")
    panel.locator("input[name=decision][value=approve]").check()
    panel.locator("textarea[name=explanation]").fill("涉及多部门实地踏勘和资金测算，经常委会同意延期一个月答复。")
    _submit(office, panel)
    suggestion.refresh_from_db()
    assert suggestion.deadline == wanted
    assert "经常委会同意延期一个月答复" in office.locator("#handling").inner_text()
    shot(office, "suggestion-5-office-extension-approved")

    # 7. The lead unit replies with class B, a commitment and the reply document.
    unit.reload()
    panel = _step(unit, "reply")
    panel.locator("input[name=answer_class][value=B]").check()
    panel.locator("textarea[name=text]").fill(
        "我局已会同镇政府完成村道排查，主要路段修复纳入明年一季度计划，路灯维护已落实到镇村两级。"
    )
    panel.locator("input[name=commitment]").first.fill("明年3月底前完成主要村道修复")
    panel.locator("input[name=commitment_due]").first.fill(f"{datetime.date.today().year + 1}-03-31")
    panel.locator("input[name=document]").set_input_files(
        files=[{"name": "答复函.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    _submit(unit, panel)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REPLIED and suggestion.answer_class == "B"
    reply = Reply.objects.get(assignment=lead, kind="answer")
    assert reply.commitments.count() == 1 and reply.document
    shot(unit, "suggestion-6-unit-replied")

    # 8. Both deputies read the reply (and its document) and rate it on their phones.
    li.reload()
    assert "我局已会同镇政府完成村道排查" in li.locator("#handling").inner_text()
    assert li.locator(f"a[href='/work/proposals/replies/{reply.pk}/document/']").count() == 1
    panel = _step(li, "rate")
    panel.locator("input[name=satisfaction][value=satisfied]").check()
    panel.locator("textarea[name=comment]").fill("答复具体，有时间表。")
    _submit(li, panel)
    zh.reload()
    panel = _step(zh, "rate")
    panel.locator("input[name=satisfaction][value=basically]").check()
    _submit(zh, panel)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.EVALUATED
    assert Evaluation.objects.filter(suggestion=suggestion, round=1).count() == 2
    li.reload()
    assert "答复具体，有时间表。" in li.locator("#handling").inner_text()
    assert _no_horizontal_scroll(li)
    shot(li, "suggestion-7-rated-phone")

    # The office's list at a desk, and the workspace's front page on the deputy's phone.
    office.goto(f"{base}/work/proposals/?status=all")
    assert TITLE in office.locator("#suggestion-table").inner_text()
    shot(office, "suggestion-8-office-list")
    li.goto(f"{base}/work/")
    assert li.locator("#proposals-cards").count() == 1
    shot(li, "suggestion-9-home-phone")
    li.goto(f"{base}/work/proposals/?status=all")
    assert li.locator("#suggestion-cards").get_by_text(TITLE).is_visible()
    assert not li.locator("#suggestion-table").is_visible()  # phones get cards, not the table
    assert _no_horizontal_scroll(li)
    shot(li, "suggestion-10-list-phone")

    # 9. The office's handling report of this year shows it: the lead unit answered on time with class
    #    B after one extension, its commitment is open, one deputy satisfied and one basically.
    office.goto(f"{base}/work/proposals/reports/")
    units_table = office.locator(".report-table").first
    row = units_table.locator("tbody tr", has_text=pw.units["county_edu"].name).first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:5] == ["1", "0", "1", "1", "100.0%"]  # assigned as lead, as co-unit, answered, on time
    assert cells[6:8] == ["1", "1"]  # extensions asked, approved
    assert cells[10:12] == ["1", "100.0%"] and cells[14] == "1"  # class B, its share, commitments open
    assert cells[15:19] == ["1", "1", "0", "100.0%"]  # satisfied, basically, dissatisfied, rate
    shot(office, "suggestion-11-office-report")
