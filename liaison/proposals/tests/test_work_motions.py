"""The motions workspace (/work/proposals/motions/) through its pages: who gets in and what each role
sees, the list with its filters and a constant number of queries, a new motion by a deputy and by the
office, the co-signer picker, and every step of the motion's page — by the right capacity, in the
wrong state, with a stale version, with bad input (form errors, never a 500) — up to the presidium's
decision, the assignment and the report."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD
from liaison.deputies.services import delegation_create, mandate_change_status
from liaison.proposals import handling, motions
from liaison.proposals.models import Event, Motion, Signer, Suggestion
from liaison.proposals.views_motions import suggestion_url

from .conftest import REPLY, today

M = Motion.Status
pytestmark = pytest.mark.django_db

GROUNDS = "县城环境卫生管理缺乏统一规范，群众反映强烈，现行规定已不适应城市发展。"
PLAN = "建议县人大常委会组织制定县城市容环境卫生管理办法，明确责任主体与监督机制。"


def login(client, pw, who: str):
    client.logout()
    assert client.login(username=pw.users[who].username, password=PASSWORD)
    return client


def url(name: str, motion=None, action: str | None = None) -> str:
    if action:
        return reverse("motions:step", args=[motion.pk, action])
    if motion is not None:
        return reverse(f"motions:{name}", args=[motion.pk])
    return reverse(f"motions:{name}")


def post(client, motion, action: str, **data):
    motion.refresh_from_db()
    data.setdefault("version", motion.version)
    return client.post(url("step", motion, action), data)


def text(response) -> str:
    return response.content.decode()


def form_errors(response, action: str) -> list[str]:
    form = response.context["forms"][action]
    return [str(e) for errors in form.errors.values() for e in errors]


# --- who gets in, what each sees ----------------------------------------------------------------------


def test_the_list_needs_a_role(client, pw):
    response = client.get(url("list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login(client, pw, "nobody")
    assert client.get(url("list")).status_code == 403
    for who in ("li", "officer", "leader", "edu_unit"):
        login(client, pw, who)
        assert client.get(url("list")).status_code == 200, who


def test_each_role_sees_its_own_motions(client, pw):
    draft = pw.motion_draft(cosigners=("zhang",))
    submitted = pw.motion_submitted(title="关于加强县域饮用水水源保护的议案")
    login(client, pw, "li")
    page = text(client.get(url("list")))
    assert draft.title in page and submitted.title in page
    login(client, pw, "zhang")  # signed both
    assert draft.title in text(client.get(url("list")))
    login(client, pw, "chen")  # signed neither
    assert draft.title not in text(client.get(url("list")))
    assert client.get(url("detail", draft)).status_code == 404
    login(client, pw, "officer")  # the deputies' own draft stays theirs until it is submitted
    page = text(client.get(url("list")))
    assert draft.title not in page and submitted.title in page
    assert client.get(url("detail", draft)).status_code == 404
    assert client.get(url("detail", submitted)).status_code == 200
    for who in ("other_officer", "edu_unit"):
        login(client, pw, who)
        assert submitted.title not in text(client.get(url("list")))
        assert client.get(url("detail", submitted)).status_code == 404, who
    login(client, pw, "leader")
    assert client.get(url("detail", submitted)).status_code == 200


def test_the_list_filters_by_session_and_status(client, pw):
    from liaison.regions.services import session_create

    other = session_create(
        actor=None,
        term=pw.term,
        number=4,
        start_date=today() + datetime.timedelta(days=60),
        end_date=today() + datetime.timedelta(days=62),
    )
    first = pw.motion_submitted()
    second = pw.motion_draft(session=other, title="关于完善农村公路养护机制的议案")
    login(client, pw, "li")
    page = text(client.get(url("list"), {"session": pw.session.pk}))
    assert first.title in page and second.title not in page
    page = text(client.get(url("list"), {"status": "draft"}))
    assert first.title not in page and second.title in page
    page = text(client.get(url("list"), {"status": "nonsense", "session": "x", "page": "abc"}))
    assert first.title in page and second.title in page  # bad filters fall back to the defaults


def test_the_list_takes_the_same_queries_for_five_rows_and_for_forty(client, pw, django_assert_num_queries):
    for i in range(5):
        pw.motion_draft(cosigners=("zhang",), title=f"第{i}件议案：关于改善县城交通的议案")
    login(client, pw, "li")
    client.get(url("list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("list"))
    assert len(response.context["page"].object_list) == 5
    for i in range(35):
        pw.motion_draft(cosigners=("zhang", "wang"), title=f"第{i + 5}件议案：关于改善县城交通的议案")
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(url("list"))
    rows = list(response.context["page"].object_list)
    assert len(rows) == 40
    assert {row.signatures for row in rows} == {2, 3}


# --- a new motion ----------------------------------------------------------------------------------------


def _new(client, **data):
    return client.post(url("new"), data)


def test_a_deputy_drafts_a_motion(client, pw):
    login(client, pw, "li")
    response = client.get(url("new"))
    assert response.status_code == 200
    assert str(pw.session.pk) in [v for v, _label in response.context["form"].fields["session"].choices[1][1]]
    response = _new(
        client,
        proposer="deputies",
        session=pw.session.pk,
        title="关于制定县城养犬管理规定的议案",
        grounds=GROUNDS,
        plan=PLAN,
    )
    motion = Motion.objects.get(title="关于制定县城养犬管理规定的议案")
    assert response.status_code == 302 and response["Location"] == url("detail", motion)
    assert motion.lead == pw.persons["li"] and motion.status == M.DRAFT and motion.congress == pw.congress
    assert AuditLog.objects.filter(object_id=str(motion.pk), action=AuditLog.Action.CREATE).exists()


def test_cause_grounds_and_plan_are_required(client, pw):
    login(client, pw, "li")
    response = _new(client, proposer="deputies", session=pw.session.pk, title="", grounds="短", plan="")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"title", "grounds", "plan"} <= set(errors)
    assert "案据" in str(errors["grounds"])
    assert not Motion.objects.exists()


def test_bad_choices_on_the_new_motion_are_form_errors(client, pw):
    from liaison.regions.services import session_create

    other = session_create(
        actor=None,
        term=pw.w.terms["county2"],
        number=1,
        start_date=today() + datetime.timedelta(days=10),
        end_date=today() + datetime.timedelta(days=12),
    )
    login(client, pw, "li")
    for session in (other.pk, "abc", "", 999999):
        response = _new(client, proposer="deputies", session=session, title="议案案由", grounds=GROUNDS, plan=PLAN)
        assert response.status_code == 400 and "session" in response.context["form"].errors
    response = _new(client, proposer="presidium", session=pw.session.pk, title="议案案由", grounds=GROUNDS, plan=PLAN)
    assert response.status_code == 400 and "proposer" in response.context["form"].errors
    assert not Motion.objects.exists()


def test_after_the_sessions_deadline_no_draft_is_taken(client, pw):
    pw.session.motion_deadline = timezone.now() - datetime.timedelta(minutes=1)
    pw.session.save(update_fields=["motion_deadline"])
    login(client, pw, "li")
    response = _new(client, proposer="deputies", session=pw.session.pk, title="议案案由", grounds=GROUNDS, plan=PLAN)
    assert response.status_code == 400
    assert "截止" in str(response.context["form"].errors["session"])


def test_the_office_enters_a_delegations_and_the_presidiums_motions(client, pw):
    delegation = delegation_create(actor=None, congress=pw.congress, name="东风镇代表团")
    login(client, pw, "officer")
    response = client.get(url("new"))
    assert response.status_code == 200 and "东风镇代表团" in text(response)
    base = {"session": pw.session.pk, "title": "关于设立县级湿地保护区的议案", "grounds": GROUNDS, "plan": PLAN}
    response = _new(client, proposer="delegation", **base)
    assert response.status_code == 400
    assert "代表团" in str(response.context["form"].errors["delegation"])
    response = _new(client, proposer="delegation", delegation=delegation.pk, **base)
    motion = Motion.objects.get()
    assert response.status_code == 302 and motion.delegation == delegation and motion.lead is None
    page = text(client.get(url("detail", motion)))
    assert "东风镇代表团" in page and "signature-count" not in page  # no threshold for a delegation
    response = post(client, motion, "submit")
    assert response.status_code == 302
    assert Motion.objects.get(pk=motion.pk).status == M.SUBMITTED


def test_who_may_not_draft_gets_403(client, pw):
    for who in ("edu_unit", "leader"):
        login(client, pw, who)
        assert client.get(url("new")).status_code == 403


# --- co-signing --------------------------------------------------------------------------------------------


def test_the_picker_finds_deputies_of_the_same_congress(client, pw):
    motion = pw.motion_draft()
    login(client, pw, "li")
    page = text(client.get(url("detail", motion)))
    assert "张代表" in page and "孙代表" not in page and "周代表" not in page  # other congress, mandate ended
    response = client.get(url("cosigners", motion), {"q": "张"})
    assert response.status_code == 200
    assert "张代表" in text(response) and "王代表" not in text(response)
    response = client.get(url("cosigners", motion), {"q": "张", "persons": [pw.persons["zhang"].pk]})
    assert "张代表" not in text(response)  # already ticked
    login(client, pw, "zhang")  # not the lead: cannot invite
    motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["zhang"]])
    assert client.get(url("cosigners", motion), {"q": "王"}).status_code == 403


def test_the_lead_invites_and_the_invited_sign_or_decline(client, pw):
    motion = pw.motion_draft()
    login(client, pw, "li")
    response = post(client, motion, "invite", persons=[pw.persons["zhang"].pk, pw.persons["wang"].pk])
    assert response.status_code == 302
    assert set(Signer.objects.filter(motion=motion, status="invited").values_list("person__name", flat=True)) == {
        "张代表",
        "王代表",
    }
    login(client, pw, "zhang")
    page = text(client.get(url("detail", motion)))
    assert 'id="step-confirm"' in page
    assert post(client, motion, "confirm").status_code == 302
    login(client, pw, "wang")
    assert post(client, motion, "decline", comment="我对方案有不同意见").status_code == 302
    states = dict(Signer.objects.filter(motion=motion).values_list("person__name", "status"))
    assert states == {"李代表": "confirmed", "张代表": "confirmed", "王代表": "declined"}
    login(client, pw, "li")
    page = text(client.get(url("detail", motion)))
    assert response_count(page, 2, 3)
    assert Event.objects.filter(motion=motion, action="decline", comment="我对方案有不同意见").exists()


def response_count(page: str, n: int, t: int) -> bool:
    """The signature count as the page shows it, in whatever language."""
    import re

    found = re.search(r'id="signature-count">([^<]*)<', page)
    return bool(found) and str(n) in found.group(1) and str(t) in found.group(1)


def test_inviting_a_deputy_of_another_congress_or_whose_mandate_ended_is_a_form_error(client, pw):
    motion = pw.motion_draft()
    login(client, pw, "li")
    response = post(client, motion, "invite", persons=[pw.persons["sun"].pk])
    assert response.status_code == 400
    assert any("孙代表" in e for e in form_errors(response, "invite"))
    response = post(client, motion, "invite", persons=[pw.persons["zhou"].pk])
    assert response.status_code == 400
    assert any("周代表" in e for e in form_errors(response, "invite"))
    response = post(client, motion, "invite", persons=["abc"])
    assert response.status_code == 400 and form_errors(response, "invite")
    response = post(client, motion, "invite")
    assert response.status_code == 400 and form_errors(response, "invite")  # nobody chosen
    assert Signer.objects.filter(motion=motion).count() == 1


def test_the_lead_removes_a_signer(client, pw):
    motion = pw.motion_draft(cosigners=("zhang",))
    signer = Signer.objects.get(motion=motion, person=pw.persons["zhang"])
    lead = Signer.objects.get(motion=motion, is_lead=True)
    login(client, pw, "li")
    response = post(client, motion, "remove_signer", signer=lead.pk)
    assert response.status_code == 400  # the lead cannot be removed
    assert post(client, motion, "remove_signer", signer=signer.pk).status_code == 302
    assert not Signer.objects.filter(pk=signer.pk).exists()
    login(client, pw, "zhang")
    assert client.get(url("detail", motion)).status_code == 404  # no longer on the list


# --- submission ------------------------------------------------------------------------------------------


def test_submission_with_too_few_signatures_says_how_many_are_needed(client, pw):
    motion = pw.motion_draft(cosigners=("zhang",))
    login(client, pw, "li")
    response = post(client, motion, "submit")
    assert response.status_code == 400
    message = " ".join(form_errors(response, "submit"))
    assert "3" in message and "2" in message
    assert Motion.objects.get(pk=motion.pk).status == M.COLLECTING


def test_submission_after_the_deadline_is_refused_with_the_deadline(client, pw):
    motion = pw.motion_draft(cosigners=("zhang", "wang"))
    pw.session.motion_deadline = timezone.now() - datetime.timedelta(minutes=1)
    pw.session.save(update_fields=["motion_deadline"])
    login(client, pw, "li")
    page = text(client.get(url("detail", motion)))
    assert "text-danger" in page  # the deadline shows as passed
    response = post(client, motion, "submit")
    assert response.status_code == 400
    assert timezone.localtime(pw.session.motion_deadline).strftime("%Y-%m-%d %H:%M") in " ".join(
        form_errors(response, "submit")
    )


def test_submission_with_a_signer_whose_mandate_ended_names_them(client, pw):
    motion = pw.motion_draft(cosigners=("zhang", "zhao"))
    mandate = pw.persons["zhao"].mandates.get()
    mandate_change_status(actor=None, mandate=mandate, status="recalled", date=today(), reason="被依法罢免")
    login(client, pw, "li")
    response = post(client, motion, "submit")
    assert response.status_code == 400
    assert "赵代表" in " ".join(form_errors(response, "submit"))


def test_the_lead_submits_and_the_motion_is_numbered(client, pw):
    motion = pw.motion_draft(cosigners=("zhang", "wang"))
    login(client, pw, "li")
    page = text(client.get(url("detail", motion)))
    assert response_count(page, 3, 3) and 'id="motion-deadline"' in page
    response = post(client, motion, "submit")
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == M.SUBMITTED and motion.number == 1
    login(client, pw, "zhang")  # a co-signer cannot submit (and has no form for it)
    assert 'id="step-submit"' not in text(client.get(url("detail", motion)))


def test_a_stale_form_is_reported_with_what_was_typed(client, pw):
    motion = pw.motion_draft(cosigners=("zhang", "wang"))
    login(client, pw, "li")
    seen = Motion.objects.get(pk=motion.pk).version
    motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["chen"]])
    response = client.post(
        url("step", motion, "edit"), {"version": seen, "title": "新案由的文字", "grounds": GROUNDS, "plan": PLAN}
    )
    assert response.status_code == 409
    assert "新案由的文字" in text(response)
    assert Motion.objects.get(pk=motion.pk).title != "新案由的文字"


def test_a_step_in_the_wrong_state_or_capacity_is_refused(client, pw):
    motion = pw.motion_submitted()
    login(client, pw, "li")
    response = post(client, motion, "submit")
    assert response.status_code == 409
    assert str(M.SUBMITTED.label) in " ".join(str(m) for m in response.context["messages"])
    response = post(client, motion, "review", opinion="审查意见")
    assert response.status_code == 403
    assert client.post(url("step", motion, "nonsense"), {"version": 1}).status_code == 404
    assert client.get(url("step", motion, "submit")).status_code == 405


# --- review, decision, withdrawal ----------------------------------------------------------------------


def test_the_office_records_the_review_and_the_presidium_accepts(client, pw):
    motion = pw.motion_submitted()
    login(client, pw, "officer")
    page = text(client.get(url("detail", motion)))
    assert 'id="step-review"' in page and 'id="step-withdraw_consented"' in page
    response = post(client, motion, "review", opinion="")
    assert response.status_code == 400 and form_errors(response, "review")
    response = post(client, motion, "review", opinion="议案审查委员会建议列为本次会议议案。", outside_powers="bogus")
    assert response.status_code == 400
    assert post(client, motion, "review", opinion="议案审查委员会建议列为本次会议议案。").status_code == 302
    assert post(client, motion, "accept", note="主席团第二次会议决定").status_code == 302
    motion.refresh_from_db()
    assert motion.status == M.ACCEPTED and motion.decision_note == "主席团第二次会议决定"


def test_outside_the_congresss_powers_it_is_converted_and_links_to_the_suggestion(client, pw):
    motion = pw.motion_submitted()
    login(client, pw, "officer")
    post(client, motion, "review", opinion="属于上级人大职权范围。", outside_powers="upper_congress")
    page = text(client.get(url("detail", motion)))
    assert str(Motion.OutsidePowers.UPPER_CONGRESS.label) in page
    response = post(client, motion, "accept")
    assert response.status_code == 400
    assert str(Motion.OutsidePowers.UPPER_CONGRESS.label) in " ".join(form_errors(response, "accept"))
    assert post(client, motion, "convert", note="作为建议处理").status_code == 302
    suggestion = Suggestion.objects.get(from_motion=motion)
    page = text(client.get(url("detail", motion)))
    assert 'id="converted"' in page and f'href="{suggestion_url(suggestion.pk)}"' in page
    assert suggestion.status == Suggestion.Status.SUBMITTED and suggestion.signers.count() == 3


def test_withdrawal_by_the_lead_before_and_by_the_office_after_submission(client, pw):
    draft = pw.motion_draft(cosigners=("zhang",))
    login(client, pw, "li")
    assert post(client, draft, "withdraw", reason="").status_code == 302
    assert Motion.objects.get(pk=draft.pk).status == M.WITHDRAWN
    motion = pw.motion_submitted(title="关于加强县域饮用水水源保护的议案")
    assert 'id="step-withdraw' not in text(client.get(url("detail", motion)))  # the proposers ask the office
    login(client, pw, "officer")
    response = post(client, motion, "withdraw_consented", reason="领衔代表申请撤回")
    assert response.status_code == 400
    assert form_errors(response, "withdraw_consented")
    response = post(client, motion, "withdraw_consented", reason="领衔代表申请撤回，主席团同意", presidium_consent="on")
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == M.WITHDRAWN and motion.withdrawal_reason == "领衔代表申请撤回，主席团同意"


# --- assignment, extension, report ---------------------------------------------------------------------


def test_an_accepted_motion_is_assigned_its_extension_decided_and_its_handling_reported(client, pw):
    motion = pw.motion_accepted()
    login(client, pw, "officer")
    response = post(client, motion, "assign", organ=pw.organ.pk, lead_unit=pw.units["other_edu"].pk)
    assert response.status_code == 400  # another county's unit is not offered
    response = post(
        client,
        motion,
        "assign",
        organ=pw.organ.pk,
        lead_unit=pw.units["county_edu"].pk,
        co_units=[pw.units["county_edu"].pk],
    )
    assert response.status_code == 400 and form_errors(response, "assign")
    response = post(
        client,
        motion,
        "assign",
        organ=pw.organ.pk,
        lead_unit=pw.units["county_edu"].pk,
        co_units=[pw.units["county_gov"].pk],
    )
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == M.ASSIGNED
    lead = pw.lead_assignment(motion)
    handling.extension_request(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        deadline=lead.deadline + datetime.timedelta(days=30),
        reason="需要会同财政部门测算资金。",
    )
    page = text(client.get(url("detail", motion)))
    assert 'id="step-decide_extension"' in page and "需要会同财政部门测算资金" in page
    extension = lead.extensions.get()
    response = post(client, motion, "decide_extension", extension=extension.pk, decision="approve", explanation="")
    assert response.status_code == 400
    response = post(
        client,
        motion,
        "decide_extension",
        extension=extension.pk,
        decision="approve",
        explanation="涉及资金测算，同意延期。",
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.deadline == extension.requested_deadline
    pw.reply(motion)
    response = post(client, motion, "report", report="")
    assert response.status_code == 400
    assert post(client, motion, "report", report="已向常委会报告办理情况。").status_code == 302
    motion.refresh_from_db()
    assert motion.status == M.REPORTED
    page = text(client.get(url("detail", motion)))
    assert REPLY[:10] in page
    assert [e.action for e in Event.objects.filter(motion=motion)][-3:] == ["decide_extension", "reply", "report"]
