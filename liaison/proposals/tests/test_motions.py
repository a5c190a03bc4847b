"""The motion workflow through its services (003 §13–19): drafting with cause, grounds and plan,
signatures up to the congress's threshold, the session's deadline, delegation and presidium motions,
review, the presidium's decision (accepted, or handled as a suggestion with its history), withdrawal
with consent, and the handling of accepted motions."""

import datetime

import pytest
from django.utils import timezone

from liaison.core.exceptions import ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies.services import delegation_create, mandate_change_status
from liaison.notifications.models import Notification
from liaison.proposals import exceptions as errors
from liaison.proposals import handling, motions, selectors, services
from liaison.proposals.models import Event, Motion, Signer, Suggestion
from liaison.regions.services import congress_update, session_create

from .conftest import REPLY, today

M = Motion.Status
pytestmark = pytest.mark.django_db


def test_a_motion_states_cause_grounds_and_plan(pw):
    with pytest.raises(ValidationFailed) as exc:
        pw.motion_draft(grounds="", plan="")
    assert set(exc.value.errors) == {"grounds", "plan"}
    motion = pw.motion_draft()
    assert motion.status == M.DRAFT and motion.lead == pw.persons["li"] and motion.proposer == "deputies"
    with pytest.raises(ValidationFailed) as exc:
        motions.motion_update(actor=pw.users["li"], motion_id=motion.pk, title="议案", grounds="", plan=motion.plan)
    assert exc.value.field == "grounds"
    updated = motions.motion_update(
        actor=pw.users["li"],
        motion_id=motion.pk,
        title=motion.title,
        grounds=motion.grounds + "补充。",
        plan=motion.plan,
    )
    assert updated.grounds.endswith("补充。")


def test_fewer_signatures_than_the_threshold_are_refused(pw):
    motion = pw.motion_draft(cosigners=("zhang",))
    motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["wang"]])
    with pytest.raises(errors.ThresholdNotMet) as exc:  # 2 signed (the lead and zhang), 3 needed
        motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert "3" in str(exc.value.message) and "2" in str(exc.value.message)
    motions.motion_confirm(actor=pw.users["wang"], motion_id=motion.pk)
    submitted = motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert submitted.status == M.SUBMITTED and submitted.number == 1


def test_the_default_threshold_is_ten_deputies(pw):
    congress_update(actor=None, congress=pw.congress, name=pw.congress.name, motion_threshold=10)
    motion = pw.motion_draft(cosigners=("zhang", "wang", "zhao", "chen"))
    with pytest.raises(errors.ThresholdNotMet) as exc:
        motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert "10" in str(exc.value.message)


def test_a_co_signer_from_another_congress_cannot_sign_a_motion(pw):
    motion = pw.motion_draft()
    with pytest.raises(errors.OtherCongress):
        motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["sun"]])
    with pytest.raises(errors.MandateNotServing):
        motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["zhou"]])


def test_a_deputy_whose_mandate_ended_no_longer_counts(pw):
    motion = pw.motion_draft(cosigners=("zhang", "zhao"))
    mandate = pw.persons["zhao"].mandates.get()
    mandate_change_status(actor=None, mandate=mandate, status="recalled", date=today(), reason="被依法罢免")
    with pytest.raises(errors.MandateNotServing) as exc:
        motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert "赵代表" in str(exc.value.message)


def test_submission_after_the_sessions_deadline_is_refused(pw):
    motion = pw.motion_draft(cosigners=("zhang", "wang"))
    pw.session.motion_deadline = timezone.now() - datetime.timedelta(minutes=1)
    pw.session.save(update_fields=["motion_deadline"])
    with pytest.raises(errors.DeadlinePassed):
        motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert Motion.objects.get(pk=motion.pk).number is None


def test_without_a_recorded_deadline_motions_close_at_the_end_of_the_opening_day(pw, monkeypatch):
    opened = session_create(
        actor=None,
        term=pw.term,
        number=2,
        start_date=today() - datetime.timedelta(days=1),
        end_date=today() + datetime.timedelta(days=2),
    )
    deadline = motions.motion_deadline(opened)
    local = timezone.localtime(deadline)
    assert (local.date(), local.hour, local.minute) == (opened.start_date, 23, 59)
    assert str(local.tzinfo) == "Asia/Shanghai"
    with pytest.raises(errors.DeadlinePassed):
        pw.motion_draft(session=opened)
    motion = pw.motion_draft(cosigners=("zhang", "wang"))  # the session three weeks ahead
    monkeypatch.setattr(services, "now", lambda: motions.motion_deadline(pw.session) + datetime.timedelta(seconds=1))
    with pytest.raises(errors.DeadlinePassed):
        motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)


def test_unanswered_invitations_are_dropped_at_submission(pw):
    motion = pw.motion_draft(cosigners=("zhang", "wang"))
    motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["chen"]])
    submitted = motions.motion_submit(actor=pw.users["li"], motion_id=motion.pk)
    assert not Signer.objects.filter(motion=motion, person=pw.persons["chen"]).exists()
    assert Event.objects.get(motion=submitted, action="submit").data["dropped"] == ["陈代表"]
    assert Notification.objects.filter(user=pw.users["officer"], kind="proposal.submitted").count() == 1


def test_a_delegation_motion_is_entered_by_the_office_without_a_threshold(pw):
    delegation = delegation_create(actor=None, congress=pw.congress, name="东风镇代表团")
    with pytest.raises(errors.NotYourStep):
        pw.motion_draft(lead="zhang", proposer="delegation", delegation=delegation)
    with pytest.raises(ValidationFailed):
        pw.motion_draft(lead="officer", proposer="delegation", delegation=None)
    motion = pw.motion_draft(lead="officer", proposer="delegation", delegation=delegation)
    assert motion.lead is None and motion.delegation == delegation
    submitted = motions.motion_submit(actor=pw.users["officer"], motion_id=motion.pk)
    assert submitted.status == M.SUBMITTED and submitted.number == 1
    presidium = pw.motion_draft(lead="officer", proposer="presidium")
    assert motions.motion_submit(actor=pw.users["officer"], motion_id=presidium.pk).number == 2


def test_a_deputies_draft_is_not_the_offices(pw):
    motion = pw.motion_draft()
    from liaison.core.exceptions import NotFound

    with pytest.raises(NotFound):
        motions.motion_submit(actor=pw.users["officer"], motion_id=motion.pk)


def test_withdrawal_of_a_draft_by_its_lead_and_after_submission_with_the_presidiums_consent(pw):
    draft = pw.motion_draft()
    withdrawn = motions.motion_withdraw(actor=pw.users["li"], motion_id=draft.pk)
    assert withdrawn.status == M.WITHDRAWN
    motion = pw.motion_submitted()
    with pytest.raises(errors.NotYourStep):  # the proposers ask; the office records the presidium's consent
        motions.motion_withdraw(actor=pw.users["li"], motion_id=motion.pk, reason="情况已变化", presidium_consent=True)
    with pytest.raises(ValidationFailed) as exc:
        motions.motion_withdraw(actor=pw.users["officer"], motion_id=motion.pk, reason="情况已变化")
    assert exc.value.field == "presidium_consent"
    done = motions.motion_withdraw(
        actor=pw.users["officer"], motion_id=motion.pk, reason="领衔代表申请撤回，主席团同意", presidium_consent=True
    )
    assert done.status == M.WITHDRAWN and done.withdrawal_reason == "领衔代表申请撤回，主席团同意"
    assert Notification.objects.filter(user=pw.users["zhang"], kind="motion.decided").count() == 1
    accepted = pw.motion_accepted()
    with pytest.raises(errors.TransitionNotAllowed):  # after the decision: too late
        motions.motion_withdraw(actor=pw.users["officer"], motion_id=accepted.pk, reason="撤回", presidium_consent=True)


def test_a_matter_outside_the_congresss_powers_cannot_be_accepted(pw):
    motion = pw.motion_submitted()
    with pytest.raises(ValidationFailed):
        motions.motion_review(
            actor=pw.users["officer"], motion_id=motion.pk, opinion="审查意见", outside_powers="bogus"
        )
    reviewed = motions.motion_review(
        actor=pw.users["officer"],
        motion_id=motion.pk,
        opinion="该事项属于上级政府职权范围。",
        outside_powers="upper_government",
    )
    assert reviewed.status == M.UNDER_REVIEW and reviewed.outside_powers == "upper_government"
    with pytest.raises(errors.OutsidePowers):
        motions.motion_accept(actor=pw.users["officer"], motion_id=motion.pk)
    suggestion = motions.motion_convert(actor=pw.users["officer"], motion_id=motion.pk, note="作为代表建议办理")
    assert Motion.objects.get(pk=motion.pk).status == M.CONVERTED
    assert suggestion.from_motion_id == motion.pk


def test_conversion_makes_a_suggestion_with_the_signers_and_the_motions_history(pw):
    motion = pw.motion_reviewed()
    suggestion = motions.motion_convert(actor=pw.users["officer"], motion_id=motion.pk)
    assert suggestion.status == Suggestion.Status.SUBMITTED and suggestion.timing == "session"
    assert suggestion.session == pw.session and suggestion.lead == pw.persons["li"]
    assert "案由" in suggestion.text or "Cause" in suggestion.text
    signers = {(s.person_id, s.status, s.is_lead) for s in suggestion.signers.all()}
    assert signers == {
        (pw.persons["li"].pk, "confirmed", True),
        (pw.persons["zhang"].pk, "confirmed", False),
        (pw.persons["wang"].pk, "confirmed", False),
    }
    registered = services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    assert registered.number == 1
    steps = [(e.motion_id is not None, e.action) for e in selectors.timeline_for(registered)]
    assert steps[:4] == [(True, "create"), (True, "invite"), (True, "confirm"), (True, "confirm")]
    assert [a for is_motion, a in steps if not is_motion] == ["create", "register"]
    assert steps.index((True, "convert")) < steps.index((False, "create"))
    assert Notification.objects.filter(user=pw.users["wang"], kind="motion.decided").count() == 1
    # the deputies follow their suggestion as usual: the converted suggestion is theirs to rate
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    pw.reply(Suggestion.objects.get(pk=suggestion.pk))
    for name in ("li", "zhang", "wang"):
        services.suggestion_rate(actor=pw.users[name], suggestion_id=suggestion.pk, satisfaction="satisfied")
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.EVALUATED


def test_an_accepted_motion_is_assigned_answered_and_reported(pw):
    motion = pw.motion_accepted()
    assert motion.status == M.ACCEPTED and motion.decided_at
    rows = motions.motion_assign(
        actor=pw.users["officer"],
        motion_id=motion.pk,
        organ=pw.organ,
        lead_unit=pw.units["county_gov"],
        co_units=[pw.units["county_edu"]],
    )
    from liaison.core import deadlines

    assert rows[0].deadline == deadlines.add_months(today(), 3)
    assert Motion.objects.get(pk=motion.pk).status == M.ASSIGNED
    lead = rows[0]
    with pytest.raises(errors.ExtensionTooLong):
        handling.extension_request(
            actor=pw.users["gov_unit"],
            assignment_id=lead.pk,
            deadline=deadlines.add_months(today(), 6) + datetime.timedelta(days=1),
            reason="涉及立法程序",
        )
    with pytest.raises(errors.ReplyClassMissing):
        handling.assignment_reply(actor=pw.users["gov_unit"], assignment_id=lead.pk, answer_class="", text=REPLY)
    handling.assignment_reply(
        actor=pw.users["gov_unit"], assignment_id=lead.pk, answer_class="B", text=REPLY, commitments=["明年提请审议"]
    )
    assert Motion.objects.get(pk=motion.pk).status == M.REPLIED
    assert Notification.objects.filter(user=pw.users["li"], kind="motion.replied").count() == 1
    reported = motions.motion_report(actor=pw.users["officer"], motion_id=motion.pk, report="已向常委会第十次会议报告")
    assert reported.status == M.REPORTED
    assert AuditLog.objects.filter(
        model="proposals.Motion", object_id=str(motion.pk), reason__startswith="report"
    ).exists()
    commitment = lead.replies.get().commitments.get()
    handling.commitment_fulfil(actor=pw.users["gov_unit"], commitment_id=commitment.pk, note="已提请常委会审议")


def test_motion_numbers_run_per_session(pw):
    first = pw.motion_submitted()
    second = pw.motion_submitted()
    assert (first.number, second.number) == (1, 2)
    assert first.sequence_id == second.sequence_id


def test_a_deputy_declines_and_the_lead_removes_a_signer(pw):
    motion = pw.motion_draft(cosigners=("zhang",))
    motions.motion_invite(actor=pw.users["li"], motion_id=motion.pk, persons=[pw.persons["wang"]])
    motions.motion_decline(actor=pw.users["wang"], motion_id=motion.pk, comment="另有安排")
    assert Signer.objects.get(motion=motion, person=pw.persons["wang"]).status == "declined"
    assert Notification.objects.filter(user=pw.users["li"], kind="proposal.cosign_declined").count() == 1
    zhang = Signer.objects.get(motion=motion, person=pw.persons["zhang"])
    motions.motion_remove_signer(actor=pw.users["li"], motion_id=motion.pk, signer_id=zhang.pk)
    assert not Signer.objects.filter(pk=zhang.pk).exists()
    lead = Signer.objects.get(motion=motion, is_lead=True)
    with pytest.raises(ValidationFailed):
        motions.motion_remove_signer(actor=pw.users["li"], motion_id=motion.pk, signer_id=lead.pk)
    with pytest.raises(ValidationFailed) as exc:
        pw.motion_draft(session="x")
    assert exc.value.field == "session"
    other_session = session_create(
        actor=None,
        term=pw.w.terms["county2"],
        number=1,
        start_date=pw.w.terms["county2"].start_date,
        end_date=pw.w.terms["county2"].start_date + datetime.timedelta(days=3),
    )
    with pytest.raises(ValidationFailed) as exc:
        pw.motion_draft(session=other_session)
    assert exc.value.field == "session"
