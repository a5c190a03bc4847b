"""Motions and the units' handling in headless Chromium.

1. A deputy drafts a motion, picks the co-signers in the htmx picker; two of them sign in their own
   browsers (the other seven through the services, to keep it short); with ten signatures — the
   congress's threshold — the lead submits it. The office records the review committee's opinion (the
   matter is outside the congress's powers, 003 §15) and the presidium's decision to handle it as a
   suggestion; the suggestion's page then shows the motion's history.
2. A lead unit accepts a suggestion, asks for more time past the six-month cap (refused with the
   reason), then within it; the office approves on the suggestion's page; the unit replies with class B,
   a PDF reply document and two dated commitments."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from liaison.core.testing import PASSWORD, make_user
from liaison.proposals import handling, motions
from liaison.proposals.models import Assignment, Commitment, Extension, Motion, Reply, Signer, Suggestion
from liaison.proposals.tests.conftest import pw  # noqa: F401 (fixture)
from liaison.regions.services import congress_update
from liaison.stations.tests.conftest import make_deputy
from tests.e2e.conftest import _context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CAUSE = "关于制定县城市容环境卫生管理办法的议案"
GROUNDS = "县城环境卫生管理缺乏统一规范，群众反映强烈，现行规定已不适应城市发展需要。"
PLAN = "建议县人大常委会组织制定县城市容环境卫生管理办法，明确责任主体、经费保障与监督机制。"
REVIEW = "经审查，该事项涉及上级政府部门职权，建议作为代表建议交有关部门研究办理。"


def browse_as(browser, base: str, user, next_url: str):
    """A page of its own (a browser context per person) logged in as `user`, at `next_url`."""
    page = _context(browser, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")
    return page


def open_step(page, name: str):
    panel = page.locator(f"details#step-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def test_ten_signatures_submission_review_and_conversion(live_server, browser, pw, shot):  # noqa: F811
    base = live_server.url
    congress_update(actor=None, congress=pw.congress, name=pw.congress.name, motion_threshold=10)
    for key, name in (("liu", "刘代表"), ("yang", "杨代表"), ("huang", "黄代表"), ("wu", "吴代表"), ("xu", "徐代表")):
        pw.persons[key] = make_deputy(pw.w, "county", name)
        pw.users[key] = make_user(f"d_{key}", name=name, roles=[("deputy", {"person": pw.persons[key]})])
    cosigners = ["zhang", "wang", "zhao", "chen", "liu", "yang", "huang", "wu", "xu"]

    # 1. The lead deputy drafts the motion.
    lead = browse_as(browser, base, pw.users["li"], "/work/proposals/motions/")
    lead.get_by_role("link", name="新建议案").click()
    lead.wait_for_url("**/work/proposals/motions/new/")
    lead.locator("select[name=session]").select_option(str(pw.session.pk))
    lead.fill("input[name=title]", CAUSE)
    lead.fill("textarea[name=grounds]", GROUNDS)
    lead.fill("textarea[name=plan]", PLAN)
    shot(lead, "motion-1-new")
    lead.get_by_role("button", name="保存草稿").click()
    lead.wait_for_url(re.compile(r"/work/proposals/motions/\d+/$"))
    motion = Motion.objects.get(title=CAUSE)
    assert motion.lead == pw.persons["li"] and motion.status == Motion.Status.DRAFT

    # 2. The co-signers, picked in the htmx picker: one found by name, the rest ticked from the list.
    picker = open_step(lead, "invite")
    picker.locator("#cosigner-q").fill("张")
    results = picker.locator("#candidate-results")
    expect(results.locator("input[name=persons]")).to_have_count(1)  # the search answered
    assert "张代表" in results.inner_text()
    results.locator("input[name=persons]").first.check()
    picker.locator("#chosen").get_by_text("张代表").wait_for()
    picker.locator("#cosigner-q").fill("")
    expect(results.locator("input[name=persons]")).to_have_count(8)  # everyone but the one chosen
    assert "张代表" not in results.inner_text() and "孙代表" not in results.inner_text()
    while results.locator("input[name=persons]").count():
        results.locator("input[name=persons]").first.check()
    assert picker.locator("#chosen input[name=persons]:checked").count() == 9
    shot(lead, "motion-2-cosigners-picked")
    picker.get_by_role("button", name="邀请所选代表联名").click()
    lead.wait_for_load_state()
    assert Signer.objects.filter(motion=motion, status="invited").count() == 9
    assert Motion.objects.get(pk=motion.pk).status == Motion.Status.COLLECTING

    # 3. Two of them sign in their own browsers; the other seven through the services.
    for key in cosigners[:2]:
        deputy = browse_as(browser, base, pw.users[key], f"/work/proposals/motions/{motion.pk}/")
        deputy.locator("#step-confirm").get_by_role("button", name="签署联名").click()
        deputy.wait_for_load_state()
        assert "您已联名签署本议案" in deputy.locator("main").inner_text()
        if key == cosigners[0]:
            shot(deputy, "motion-3-signed-by-a-deputy")
        deputy.context.close()
    for key in cosigners[2:]:
        motions.motion_confirm(actor=pw.users[key], motion_id=motion.pk)

    # 4. Ten signatures: the lead submits.
    lead.reload()
    assert lead.locator("#signature-count").inner_text().replace(" ", "") == "10/10"
    lead.locator("#step-submit").get_by_role("button", name="向大会提交").click()
    lead.wait_for_load_state()
    motion.refresh_from_db()
    assert motion.status == Motion.Status.SUBMITTED and motion.number == 1
    shot(lead, "motion-4-submitted")

    # 5. The office records the review committee's opinion and the presidium's decision.
    office = browse_as(browser, base, pw.users["officer"], "/work/proposals/motions/")
    office.get_by_role("link", name=CAUSE).click()
    office.wait_for_url(f"**/work/proposals/motions/{motion.pk}/")
    review = open_step(office, "review")
    review.locator("textarea[name=opinion]").fill(REVIEW)
    review.locator("select[name=outside_powers]").select_option("upper_government")
    review.locator("button[type=submit]").click()
    office.wait_for_load_state()
    assert Motion.objects.get(pk=motion.pk).status == Motion.Status.UNDER_REVIEW
    accept = open_step(office, "accept")
    assert "不能列为议案" in accept.inner_text()
    shot(office, "motion-5-reviewed")
    convert = open_step(office, "convert")
    convert.locator("textarea[name=note]").fill("主席团第二次会议决定作为代表建议办理")
    convert.locator("button[type=submit]").click()
    office.wait_for_load_state()
    motion.refresh_from_db()
    suggestion = Suggestion.objects.get(from_motion=motion)
    assert motion.status == Motion.Status.CONVERTED and suggestion.signers.count() == 10
    office.locator("#converted").wait_for()
    shot(office, "motion-6-converted")

    # 6. The suggestion's page, with the motion's history before its own.
    office.locator("#converted").get_by_role("link").click()
    office.wait_for_url(f"**/work/proposals/{suggestion.pk}/")
    main = office.locator("main").inner_text()
    assert CAUSE in main and REVIEW in main and "主席团第二次会议决定作为代表建议办理" in main
    shot(office, "motion-7-the-suggestion")


def test_a_lead_unit_gets_more_time_and_replies_with_class_b(live_server, browser, pw, shot, tmp_path):  # noqa: F811
    base = live_server.url
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead_assignment = next(a for a in rows if a.role == "lead")
    cap = handling.latest_deadline(suggestion, lead_assignment)

    # 1. The lead unit finds it in its queue and accepts it.
    unit = browse_as(browser, base, pw.users["edu_unit"], "/work/proposals/units/")
    assert suggestion.title in unit.locator("main").inner_text()
    shot(unit, "unit-proposal-1-queue")
    unit.get_by_role("link", name=suggestion.title).click()
    unit.wait_for_url(f"**/work/proposals/units/assignments/{lead_assignment.pk}/")
    unit.locator("#step-accept").get_by_role("button", name="签收").click()
    unit.wait_for_load_state()
    assert Assignment.objects.get(pk=lead_assignment.pk).status == "accepted"

    # 2. More time: past the six-month cap it is refused with the reason, within it it goes in.
    panel = open_step(unit, "extension")
    assert cap.isoformat() in panel.inner_text()
    panel.locator("input[name=deadline]").fill((cap + datetime.timedelta(days=1)).isoformat())
    panel.locator("textarea[name=reason]").fill("需要会同交警部门完成信号灯配时测算，并纳入明年预算。")
    panel.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    panel = unit.locator("details#step-extension")
    assert "003" in panel.inner_text() and cap.isoformat() in panel.inner_text()
    assert not Extension.objects.exists()
    shot(unit, "unit-proposal-2-extension-past-the-cap")
    panel.locator("input[name=deadline]").fill(cap.isoformat())
    panel.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    assert Extension.objects.get().status == "pending"
    assert "已申请延期" in unit.locator("main").inner_text()

    # 3. The office approves it on the suggestion's page, with the explanation to the deputies.
    office = browse_as(browser, base, pw.users["officer"], f"/work/proposals/{suggestion.pk}/")
    decide = open_step(office, "decide_extension")
    decide.locator("textarea[name=explanation]").fill("涉及预算安排，经交办机关同意延期，已向代表说明。")
    decide.locator("button[type=submit]").click()
    office.wait_for_load_state()
    assert Extension.objects.get().status == "approved"
    shot(office, "unit-proposal-3-extension-approved")

    # 4. The unit replies with class B, the reply document and two dated commitments.
    unit.reload()
    assert unit.locator("#reply-due").inner_text().strip() == cap.isoformat()
    reply = open_step(unit, "reply")
    reply.locator("input[name=answer_class][value=B]").check()
    reply.locator("textarea[name=text]").fill(
        "我局已会同交警部门完成主干道信号灯配时优化方案，停车场建设已列入明年计划，具体如下。"
    )
    document = tmp_path / "答复函.pdf"
    document.write_bytes(PDF)
    reply.locator("input[name=document]").set_input_files(str(document))
    rows_ = reply.locator("#commitment-rows .commitment-row")
    rows_.nth(0).locator("input[name=commitment]").fill("年底前完成主干道信号灯改造")
    rows_.nth(0).locator("input[name=commitment_due]").fill(cap.isoformat())
    reply.get_by_role("button", name="增加一项承诺").click()
    rows_.nth(1).wait_for()
    rows_.nth(1).locator("input[name=commitment]").fill("明年六月前建成两处公共停车场")
    rows_.nth(1).locator("input[name=commitment_due]").fill((cap + datetime.timedelta(days=180)).isoformat())
    shot(unit, "unit-proposal-4-reply-form")
    reply.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    answer = Reply.objects.get(kind="answer")
    assert answer.answer_class == "B" and answer.document_name == "答复函.pdf"
    assert Commitment.objects.filter(reply=answer).count() == 2
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.REPLIED
    main = unit.locator("main").inner_text()
    assert "年底前完成主干道信号灯改造" in main and "答复函.pdf" in main
    shot(unit, "unit-proposal-5-replied")
