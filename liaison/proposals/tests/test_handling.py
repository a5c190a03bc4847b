"""The units' handling of an assigned suggestion (003 §24–25): accept or send back, contacts with the
deputies, the co-units' opinions, more time up to six months after assignment, the reply with its
class and document, and the commitments of class B replies."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liaison.core import deadlines
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.notifications.models import Notification
from liaison.proposals import exceptions as errors
from liaison.proposals import handling, services
from liaison.proposals.models import Assignment, Commitment, Event, Extension, Reply, Suggestion, UnitContact

from .conftest import REPLY, today

S = Suggestion.Status
pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def notified(user, kind: str) -> int:
    return Notification.objects.filter(user=user, kind=kind).count()


def split(rows) -> tuple[Assignment, Assignment]:
    lead = next(a for a in rows if a.role == "lead")
    co = next(a for a in rows if a.role == "co")
    return lead, co


# --- accept, contacts, scope -------------------------------------------------------------------------


def test_the_unit_accepts_and_records_its_contacts_with_the_deputies(pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    accepted = handling.assignment_accept(actor=pw.users["edu_unit"], assignment_id=lead.pk)
    assert accepted.status == "accepted" and accepted.accepted_at
    with pytest.raises(errors.TransitionNotAllowed):
        handling.assignment_accept(actor=pw.users["edu_unit"], assignment_id=lead.pk)
    for kind in ("meeting", "research", "phone", "letter"):  # 座谈, 调研, 电话, 信函
        handling.assignment_contact_add(
            actor=pw.users["edu_unit"], assignment_id=lead.pk, kind=kind, date=today(), note="与领衔代表沟通办理思路"
        )
    assert UnitContact.objects.filter(assignment=lead).count() == 4
    with pytest.raises(ValidationFailed):
        handling.assignment_contact_add(
            actor=pw.users["edu_unit"], assignment_id=lead.pk, kind="email", date=today(), note="x" * 5
        )
    with pytest.raises(ValidationFailed):
        handling.assignment_contact_add(
            actor=pw.users["edu_unit"],
            assignment_id=lead.pk,
            kind="phone",
            date=today() + datetime.timedelta(days=1),
            note="明天的电话",
        )
    assert Event.objects.filter(suggestion=suggestion, action="unit_contact").count() == 4


def test_another_unit_sees_nothing(pw):
    _suggestion, rows = pw.assigned()
    lead, co = split(rows)
    with pytest.raises(NotFound):
        handling.assignment_accept(actor=pw.users["other_unit"], assignment_id=lead.pk)
    with pytest.raises(NotFound):  # the co-unit cannot act on the lead unit's assignment
        handling.assignment_accept(actor=pw.users["gov_unit"], assignment_id=lead.pk)
    with pytest.raises(NotFound):
        handling.assignment_accept(actor=pw.users["edu_unit"], assignment_id=999999)


# --- co-units ----------------------------------------------------------------------------------------


def test_a_co_unit_sends_its_opinion_to_the_lead_unit_and_cannot_reply(pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    with pytest.raises(errors.NotYourStep):
        handling.assignment_reply(actor=pw.users["gov_unit"], assignment_id=co.pk, answer_class="A", text=REPLY)
    with pytest.raises(errors.NotYourStep):  # the lead unit does not send a co-opinion
        handling.assignment_co_opinion(actor=pw.users["edu_unit"], assignment_id=lead.pk, text="协办意见")
    reply = handling.assignment_co_opinion(
        actor=pw.users["gov_unit"],
        assignment_id=co.pk,
        text="县政府同意在明年预算中安排停车场建设资金。",
        document=SimpleUploadedFile("协办意见.pdf", PDF, content_type="application/pdf"),
    )
    assert reply.kind == Reply.Kind.CO_OPINION and reply.answer_class == ""
    assert reply.document.name.endswith(".pdf") and reply.document_name == "协办意见.pdf"
    assert Assignment.objects.get(pk=co.pk).status == "replied"
    assert notified(pw.users["edu_unit"], "proposal.co_opinion") == 1
    assert Suggestion.objects.get(pk=suggestion.pk).status == S.ASSIGNED


# --- sending back ------------------------------------------------------------------------------------


def test_the_lead_unit_sends_it_back_to_the_office_which_assigns_again(pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    with pytest.raises(ValidationFailed):
        handling.assignment_return(actor=pw.users["edu_unit"], assignment_id=lead.pk, reason="")
    handling.assignment_return(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, reason="不属于本局职责，应由住建局办理"
    )
    back = Suggestion.objects.get(pk=suggestion.pk)
    assert back.status == S.REGISTERED and back.deadline is None
    assert Assignment.objects.get(pk=co.pk).status == "withdrawn"
    assert notified(pw.users["officer"], "proposal.returned") == 1
    rows = services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_gov"]
    )
    assert rows[0].role == "lead" and Suggestion.objects.get(pk=suggestion.pk).status == S.ASSIGNED


def test_a_co_unit_sends_it_back_and_the_lead_unit_goes_on(pw):
    suggestion, rows = pw.assigned()
    _lead, co = split(rows)
    handling.assignment_return(actor=pw.users["gov_unit"], assignment_id=co.pk, reason="与本单位职责无关")
    assert Suggestion.objects.get(pk=suggestion.pk).status == S.ASSIGNED
    assert Assignment.objects.get(pk=co.pk).status == "returned"


# --- more time (003 §24) -----------------------------------------------------------------------------


def test_an_extension_past_six_months_is_refused(pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    cap = deadlines.add_months(suggestion.assigned_on, 6)
    with pytest.raises(errors.ExtensionTooLong) as exc:
        handling.extension_request(
            actor=pw.users["edu_unit"],
            assignment_id=lead.pk,
            deadline=cap + datetime.timedelta(days=1),
            reason="涉及面广",
        )
    assert cap.isoformat() in str(exc.value.message)
    with pytest.raises(errors.ExtensionNotPossible):
        handling.extension_request(
            actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=lead.deadline, reason="涉及面广"
        )
    with pytest.raises(errors.NotYourStep):  # only the lead unit asks
        handling.extension_request(
            actor=pw.users["gov_unit"],
            assignment_id=split(rows)[1].pk,
            deadline=lead.deadline + datetime.timedelta(days=30),
            reason="涉及面广",
        )
    assert not Extension.objects.exists()
    extension = handling.extension_request(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=cap, reason="需要跨部门协调"
    )
    assert extension.status == "pending"
    assert notified(pw.users["officer"], "proposal.extension_requested") == 1
    with pytest.raises(errors.ExtensionNotPossible):  # one request at a time
        handling.extension_request(actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=cap, reason="再次申请")


def test_an_approved_extension_is_explained_to_the_deputies(pw):
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead, co = split(rows)
    new = lead.deadline + datetime.timedelta(days=40)
    extension = handling.extension_request(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=new, reason="需要跨部门协调"
    )
    with pytest.raises(errors.NotYourStep):
        handling.extension_decide(
            actor=pw.users["edu_unit"], extension_id=extension.pk, approve=True, explanation="x" * 3
        )
    with pytest.raises(ValidationFailed) as exc:
        handling.extension_decide(actor=pw.users["officer"], extension_id=extension.pk, approve=True, explanation="")
    assert exc.value.field == "explanation"
    decided = handling.extension_decide(
        actor=pw.users["officer"],
        extension_id=extension.pk,
        approve=True,
        explanation="该建议涉及多个部门，经常委会同意延期办理。",
    )
    assert decided.status == "approved" and decided.decided_by == pw.users["officer"]
    assert Suggestion.objects.get(pk=suggestion.pk).deadline == new
    assert Assignment.objects.get(pk=lead.pk).deadline == new == Assignment.objects.get(pk=co.pk).deadline
    for name in ("li", "zhang"):
        row = Notification.objects.get(user=pw.users[name], kind="proposal.extension_explained")
        assert "经常委会同意延期办理" in row.body and new.isoformat() in row.body
    assert notified(pw.users["edu_unit"], "proposal.extension_decided") == 1
    assert AuditLog.objects.filter(model="proposals.Suggestion", reason__startswith="decide_extension").exists()
    with pytest.raises(errors.TransitionNotAllowed):
        handling.extension_decide(
            actor=pw.users["officer"], extension_id=extension.pk, approve=False, explanation="再议"
        )


def test_a_refused_extension_keeps_the_deadline(pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    extension = handling.extension_request(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        deadline=lead.deadline + datetime.timedelta(days=10),
        reason="人手不足",
    )
    handling.extension_decide(
        actor=pw.users["officer"], extension_id=extension.pk, approve=False, explanation="理由不充分"
    )
    assert Suggestion.objects.get(pk=suggestion.pk).deadline == lead.deadline
    assert notified(pw.users["li"], "proposal.extension_explained") == 0


# --- the reply (003 §25) -----------------------------------------------------------------------------


def test_a_reply_without_a_class_is_refused(pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    for value in ("", "D", None):
        with pytest.raises(errors.ReplyClassMissing) as exc:
            handling.assignment_reply(actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class=value, text=REPLY)
        assert exc.value.field == "answer_class"
    assert not Reply.objects.exists()
    assert Suggestion.objects.get(pk=suggestion.pk).status == S.ASSIGNED


def test_a_class_b_reply_states_commitments_tracked_until_fulfilled(pw):
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead, _co = split(rows)
    with pytest.raises(errors.CommitmentsMissing):
        handling.assignment_reply(
            actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class="B", text=REPLY, commitments=["", "  "]
        )
    with pytest.raises(ValidationFailed):
        handling.assignment_reply(
            actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class="A", text=REPLY, commitments=["建停车场"]
        )
    due = today() + datetime.timedelta(days=200)
    reply = handling.assignment_reply(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        answer_class="B",
        text=REPLY,
        commitments=[{"text": "明年6月前建成两处公共停车场", "due": due}, "年底前完成信号灯改造"],
        document=SimpleUploadedFile("答复.docx", docx_bytes()),
    )
    assert reply.answer_class == "B" and reply.document.name.endswith(".docx")
    replied = Suggestion.objects.get(pk=suggestion.pk)
    assert replied.status == S.REPLIED and replied.answer_class == "B" and replied.replied_at
    assert Event.objects.get(suggestion=suggestion, action="reply").data["on_time"] is True
    for name in ("li", "zhang"):
        assert notified(pw.users[name], "suggestion.replied") == 1
    assert notified(pw.users["officer"], "proposal.replied_office") == 1
    first, second = Commitment.objects.filter(reply=reply).order_by("id")
    assert first.due == due and second.due is None
    with pytest.raises(NotFound):
        handling.commitment_fulfil(actor=pw.users["other_unit"], commitment_id=first.pk, note="已完成")
    with pytest.raises(errors.NotYourStep):  # the co-unit did not promise it
        handling.commitment_fulfil(actor=pw.users["gov_unit"], commitment_id=first.pk, note="已完成")
    done = handling.commitment_fulfil(actor=pw.users["edu_unit"], commitment_id=first.pk, note="两处停车场已投入使用")
    assert done.fulfilled_at and done.fulfilled_note == "两处停车场已投入使用"
    with pytest.raises(errors.TransitionNotAllowed):
        handling.commitment_fulfil(actor=pw.users["edu_unit"], commitment_id=first.pk, note="再次报告")
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    services.suggestion_rate(actor=pw.users["zhang"], suggestion_id=suggestion.pk, satisfaction="satisfied")
    services.suggestion_close(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    # a commitment outlives the handling: it is still reported after closing
    handling.commitment_fulfil(actor=pw.users["edu_unit"], commitment_id=second.pk, note="信号灯已改造完毕")
    assert not Commitment.objects.filter(fulfilled_at__isnull=True).exists()


def test_a_reply_document_is_judged_by_its_content(pw):
    _suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    for name, data in (("答复.pdf", b"not a pdf at all"), ("答复.docx", b"PK\x03\x04broken"), ("a.exe", b"MZ\x90\x00")):
        with pytest.raises(errors.DocumentRejected) as exc:
            handling.assignment_reply(
                actor=pw.users["edu_unit"],
                assignment_id=lead.pk,
                answer_class="A",
                text=REPLY,
                document=SimpleUploadedFile(name, data),
            )
        assert exc.value.field == "document"
    reply = handling.assignment_reply(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        answer_class="C",
        text=REPLY,
        document=SimpleUploadedFile("答复函.pdf", PDF),
    )
    assert reply.document_name == "答复函.pdf"


def test_a_late_reply_is_recorded_as_late(pw, monkeypatch):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    monkeypatch.setattr(services, "today", lambda: lead.deadline + datetime.timedelta(days=1))
    handling.assignment_reply(actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class="A", text=REPLY)
    assert Event.objects.get(suggestion=suggestion, action="reply").data["on_time"] is False


def test_after_the_reply_the_units_steps_are_over(pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    pw.reply(suggestion)
    with pytest.raises(errors.TransitionNotAllowed):
        handling.assignment_co_opinion(actor=pw.users["gov_unit"], assignment_id=co.pk, text="迟到的协办意见")
    with pytest.raises(errors.TransitionNotAllowed):
        handling.assignment_reply(actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class="A", text=REPLY)


# --- the office changes the units --------------------------------------------------------------------


def test_the_office_changes_the_units_and_the_deadline_stays(pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    pending = handling.extension_request(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        deadline=lead.deadline + datetime.timedelta(days=5),
        reason="需协调",
    )
    with pytest.raises(ValidationFailed):
        services.suggestion_reassign(
            actor=pw.users["officer"],
            suggestion_id=suggestion.pk,
            lead_unit=pw.units["county_edu"],
            co_units=[pw.units["county_gov"]],
            comment="不变",
        )
    with pytest.raises(errors.NotYourStep):
        services.suggestion_reassign(
            actor=pw.users["edu_unit"], suggestion_id=suggestion.pk, lead_unit=pw.units["county_gov"], comment="换"
        )
    created = services.suggestion_reassign(
        actor=pw.users["officer"],
        suggestion_id=suggestion.pk,
        lead_unit=pw.units["county_gov"],
        co_units=[pw.units["county_edu"]],
        comment="主办单位调整为县政府",
    )
    assert {(a.unit_id, a.role) for a in created} == {
        (pw.units["county_gov"].pk, "lead"),
        (pw.units["county_edu"].pk, "co"),
    }
    assert all(a.deadline == lead.deadline for a in created)
    assert Assignment.objects.get(pk=lead.pk).status == "withdrawn"
    assert Assignment.objects.get(pk=co.pk).status == "withdrawn"
    assert Extension.objects.get(pk=pending.pk).status == "refused"
    assert Event.objects.get(suggestion=suggestion, action="reassign").comment == "主办单位调整为县政府"
    assert notified(pw.users["gov_unit"], "proposal.assigned") == 2  # as co-unit first, now as lead unit
    new_lead = next(a for a in created if a.role == "lead")
    handling.assignment_reply(actor=pw.users["gov_unit"], assignment_id=new_lead.pk, answer_class="A", text=REPLY)
    assert Suggestion.objects.get(pk=suggestion.pk).status == S.REPLIED
