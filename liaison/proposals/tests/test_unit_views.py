"""The handling units' pages for suggestions and motions (/work/proposals/units/): who gets in, the
queue with its tabs, deadlines and a constant number of queries, the unit's page of one assignment
(the item, the signers' public contact only, the co-units' opinions for the lead unit), each of the
unit's steps — in the right state, in the wrong state, with a stale version, with bad input (form
errors with the service's message, never a 500), on another unit's assignment (404) — and the
documents served only to those who may read them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD
from liaison.proposals import exceptions as errors
from liaison.proposals import handling
from liaison.proposals.models import Assignment, Commitment, Event, Extension, Reply, Suggestion, UnitContact

from .conftest import REPLY, TEXT, today

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(client, pw, who: str):
    client.logout()
    assert client.login(username=pw.users[who].username, password=PASSWORD)
    return client


def page_url(assignment) -> str:
    return reverse("proposal_units:assignment", args=[assignment.pk])


def step_url(assignment, name: str) -> str:
    return reverse("proposal_units:step", args=[assignment.pk, name])


def version(assignment) -> int:
    return assignment.item.__class__.objects.get(pk=assignment.item.pk).version


def post(client, assignment, name: str, data=None, **extra):
    data = dict(data or {}, **extra)
    data.setdefault("version", version(assignment))
    return client.post(step_url(assignment, name), data)


def text(response) -> str:
    return response.content.decode()


def errors_of(response, name: str) -> str:
    """Every error the failed step's form shows (field and non-field), joined."""
    step = next(s for s in response.context["steps"] if s["name"] == name)
    form = step["form"]
    found = [str(e) for errs in form.errors.values() for e in errs]
    found += [str(row["error"]) for row in getattr(form, "commitment_rows", []) if row["error"]]
    return " ".join(found)


def split(rows) -> tuple[Assignment, Assignment]:
    return next(a for a in rows if a.role == "lead"), next(a for a in rows if a.role == "co")


# --- who gets in ----------------------------------------------------------------------------------------


def test_only_unit_staff_get_the_queue(client, pw):
    response = client.get(reverse("proposal_units:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for who in ("officer", "li", "nobody"):
        login(client, pw, who)
        assert client.get(reverse("proposal_units:queue")).status_code == 403, who
    login(client, pw, "edu_unit")
    assert client.get(reverse("proposal_units:queue")).status_code == 200


def test_another_units_assignment_is_not_found(client, pw):
    _suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "other_unit")
    assert client.get(page_url(lead)).status_code == 404
    assert post(client, lead, "accept").status_code == 404
    assert client.get(reverse("proposal_units:assignment", args=[999999])).status_code == 404
    login(client, pw, "gov_unit")  # the co-unit of the same item: only its own assignment
    assert client.get(page_url(lead)).status_code == 404
    assert Assignment.objects.get(pk=lead.pk).status == "pending"


# --- the queue -------------------------------------------------------------------------------------------


def test_the_queue_shows_suggestions_and_motions_with_their_deadlines(client, pw):
    suggestion, _rows = pw.assigned()
    motion = pw.motion_accepted()
    motion_lead = handling_assign_motion(pw, motion)
    login(client, pw, "edu_unit")
    response = client.get(reverse("proposal_units:queue"))
    page = text(response)
    assert suggestion.title in page and motion.title in page
    assert motion_lead.deadline.isoformat() in page
    # an overdue assignment: its deadline moved into the past (the clock cannot wait three months)
    lead = pw.lead_assignment(suggestion)
    Assignment.objects.filter(pk=lead.pk).update(deadline=today() - datetime.timedelta(days=3))
    response = client.get(reverse("proposal_units:queue"), {"tab": "overdue"})
    rows = list(response.context["page"].object_list)
    assert [a.pk for a in rows] == [lead.pk] and rows[0].due.overdue and rows[0].due.days == 3
    assert response.context["overdue_count"] == 1
    response = client.get(reverse("proposal_units:queue"), {"tab": "bogus", "page": "x", "q": "市容"})
    assert [a.motion_id for a in response.context["page"].object_list] == [motion.pk]


def test_replied_and_returned_tabs(client, pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    login(client, pw, "gov_unit")
    assert post(client, co, "return", reason="此事项不属于县政府办理范围").status_code == 302
    response = client.get(reverse("proposal_units:queue"), {"tab": "returned"})
    assert [a.pk for a in response.context["page"].object_list] == [co.pk]
    pw.reply(suggestion)
    login(client, pw, "edu_unit")
    response = client.get(reverse("proposal_units:queue"), {"tab": "replied"})
    assert [a.pk for a in response.context["page"].object_list] == [lead.pk]
    assert not client.get(reverse("proposal_units:queue")).context["page"].object_list


def test_the_queue_takes_the_same_queries_for_five_rows_and_for_forty(client, pw, django_assert_num_queries):
    for i in range(5):
        pw.assigned(title=f"第{i}件建议：关于改善县城交通的建议")
    login(client, pw, "edu_unit")
    target = reverse("proposal_units:queue")
    client.get(target)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert len(response.context["page"].object_list) == 5
    for i in range(30):
        pw.assigned(title=f"第{i + 5}件建议：关于改善县城交通的建议")
    for _ in range(5):
        handling_assign_motion(pw, pw.motion_accepted())
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(target)
    assert len(response.context["page"].object_list) == 40


def handling_assign_motion(pw, motion) -> Assignment:
    from liaison.proposals import motions

    rows = motions.motion_assign(
        actor=pw.users["officer"], motion_id=motion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    return rows[0]


# --- the assignment's page ------------------------------------------------------------------------------


def test_the_page_shows_the_item_and_the_signers_public_contact_only(client, pw):
    zhang = pw.persons["zhang"]
    zhang.phone, zhang.phone_public = "13900001111", True
    zhang.save(update_fields=["phone", "phone_public"])
    li = pw.persons["li"]
    li.phone, li.phone_public = "13800002222", False
    li.save(update_fields=["phone", "phone_public"])
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = client.get(page_url(lead))
    page = text(response)
    assert response.status_code == 200 and TEXT in page
    assert "13900001111" in page and "13800002222" not in page
    assert "李代表" in page and "张代表" in page
    assert response["Cache-Control"] == "private, no-store"
    assert {s["name"] for s in response.context["steps"]} == {"accept", "reply", "contact", "extension", "return"}


def test_a_motions_page_shows_cause_grounds_and_plan(client, pw):
    motion = pw.motion_accepted()
    lead = handling_assign_motion(pw, motion)
    login(client, pw, "edu_unit")
    page = text(client.get(page_url(lead)))
    assert motion.grounds in page and motion.plan in page


def test_the_unit_accepts_and_records_a_contact(client, pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    assert post(client, lead, "accept").status_code == 302
    assert Assignment.objects.get(pk=lead.pk).status == "accepted"
    response = post(client, lead, "accept")  # once only
    assert response.status_code in (302, 409) and Event.objects.filter(action="unit_accept").count() == 1
    future = (today() + datetime.timedelta(days=2)).isoformat()
    response = post(client, lead, "contact", kind="meeting", date=future, note="与领衔代表座谈")
    assert response.status_code == 400 and errors_of(response, "contact")
    response = post(client, lead, "contact", kind="bogus", date=today().isoformat(), note="与领衔代表座谈")
    assert response.status_code == 400
    response = post(client, lead, "contact", kind="meeting", date=today().isoformat(), note="与领衔代表座谈，听取意见")
    assert response.status_code == 302
    contact = UnitContact.objects.get(assignment=lead)
    assert contact.kind == "meeting" and contact.author == pw.users["edu_unit"]
    assert "与领衔代表座谈，听取意见" in text(client.get(page_url(lead)))


def test_sending_back_needs_a_reason(client, pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = post(client, lead, "return", reason="")
    assert response.status_code == 400 and errors_of(response, "return")
    response = post(client, lead, "return", reason="属于县交通运输局职责")
    assert response.status_code == 302 and response["Location"] == reverse("proposal_units:queue")
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.REGISTERED
    page = text(client.get(page_url(lead)))
    assert "属于县交通运输局职责" in page and not client.get(page_url(lead)).context["steps"]


def test_a_co_unit_sends_its_opinion_which_the_lead_unit_reads(client, pw):
    _suggestion, rows = pw.assigned()
    lead, co = split(rows)
    login(client, pw, "gov_unit")
    response = client.get(page_url(co))
    assert {s["name"] for s in response.context["steps"]} == {"accept", "co_opinion", "contact", "return"}
    response = post(client, co, "co_opinion", text="短")
    assert response.status_code == 400 and errors_of(response, "co_opinion")
    response = post(
        client,
        co,
        "co_opinion",
        text="县政府同意将停车场建设纳入明年计划，请主办单位统筹答复。",
        document=SimpleUploadedFile("协办意见.pdf", PDF, content_type="application/pdf"),
    )
    assert response.status_code == 302
    opinion = Reply.objects.get(kind="co_opinion")
    login(client, pw, "edu_unit")
    response = client.get(page_url(lead))
    assert [r.pk for r in response.context["co_opinions"]] == [opinion.pk]
    assert "县政府同意将停车场建设纳入明年计划" in text(response)
    document = client.get(reverse("proposal_units:document", args=[opinion.pk]))
    assert document.status_code == 200 and b"".join(document.streaming_content) == PDF
    login(client, pw, "li")  # a working paper between the units: not for the deputies
    assert client.get(reverse("proposal_units:document", args=[opinion.pk])).status_code == 404


# --- more time -------------------------------------------------------------------------------------------


def test_more_time_is_capped_at_six_months(client, pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    login(client, pw, "edu_unit")
    cap = handling.latest_deadline(Suggestion.objects.get(pk=suggestion.pk), lead)
    page = text(client.get(page_url(lead)))
    assert cap.isoformat() in page
    too_late = (cap + datetime.timedelta(days=1)).isoformat()
    response = post(client, lead, "extension", deadline=too_late, reason="需要协调多个部门")
    assert response.status_code == 400
    message = errors_of(response, "extension")
    assert cap.isoformat() in message and "003" in message
    response = post(client, lead, "extension", deadline="2020-13-40", reason="需要协调多个部门")
    assert response.status_code == 400
    response = post(client, lead, "extension", deadline=cap.isoformat(), reason="需要协调多个部门共同勘察")
    assert response.status_code == 302
    extension = Extension.objects.get(assignment=lead)
    response = client.get(page_url(lead))
    assert "extension" not in {s["name"] for s in response.context["steps"]}  # one request at a time
    assert response.context["pending_extension"] == extension
    login(client, pw, "gov_unit")  # a co-unit does not ask
    assert "extension" not in {s["name"] for s in client.get(page_url(co)).context["steps"]}
    handling.extension_decide(
        actor=pw.users["officer"], extension_id=extension.pk, approve=True, explanation="涉及多部门协调，同意延期。"
    )
    login(client, pw, "edu_unit")
    response = client.get(page_url(lead))
    assert response.context["assignment"].deadline == cap and "涉及多部门协调，同意延期。" in text(response)


# --- the reply -------------------------------------------------------------------------------------------


def test_a_reply_needs_its_class(client, pw):
    _suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = post(client, lead, "reply", text=REPLY)
    assert response.status_code == 400
    assert str(errors.ReplyClassMissing.message) in errors_of(response, "reply")
    response = post(client, lead, "reply", answer_class="D", text=REPLY)
    assert response.status_code == 400
    assert not Reply.objects.exists()


def test_a_class_b_reply_states_commitments_with_dates(client, pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = post(client, lead, "reply", answer_class="B", text=REPLY)
    assert response.status_code == 400
    assert str(errors.CommitmentsMissing.message) in errors_of(response, "reply")
    response = post(client, lead, "reply", answer_class="B", text=REPLY, commitment=["明年建成两处停车场"])
    assert response.status_code == 400 and errors_of(response, "reply")  # no date
    assert "明年建成两处停车场" in text(response)  # the typed row comes back
    due = (today() + datetime.timedelta(days=200)).isoformat()
    response = post(client, lead, "reply", answer_class="B", text=REPLY, commitment=["", ""], commitment_due=[due, ""])
    assert response.status_code == 400  # a date without what will be done
    response = post(
        client,
        lead,
        "reply",
        answer_class="B",
        text=REPLY,
        commitment=["明年建成两处停车场", "年底前完成信号灯改造", ""],
        commitment_due=[due, today().isoformat(), ""],
        document=SimpleUploadedFile("答复函.pdf", PDF, content_type="application/pdf"),
    )
    assert response.status_code == 302
    reply = Reply.objects.get(kind="answer")
    assert reply.answer_class == "B" and reply.document_name == "答复函.pdf"
    assert list(reply.commitments.values_list("text", flat=True)) == ["年底前完成信号灯改造", "明年建成两处停车场"]
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.REPLIED
    response = client.get(page_url(lead))
    assert not response.context["steps"]
    commitment = Commitment.objects.get(text="年底前完成信号灯改造")
    # a commitment fulfilled, reported from the same page
    response = post(client, lead, "fulfil", commitment=commitment.pk, note="")
    assert response.status_code == 400
    response = post(client, lead, "fulfil", commitment=commitment.pk, note="信号灯改造已完成并投入使用")
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.fulfilled_at and commitment.fulfilled_note == "信号灯改造已完成并投入使用"
    assert AuditLog.objects.filter(reason__startswith="fulfil").exists()
    response = post(client, lead, "fulfil", commitment=commitment.pk, note="再次报告")
    assert response.status_code == 409


def test_a_reply_document_is_checked_by_its_content(client, pw):
    _suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = post(
        client,
        lead,
        "reply",
        answer_class="A",
        text=REPLY,
        document=SimpleUploadedFile("答复函.pdf", b"this is not a pdf", content_type="application/pdf"),
    )
    assert response.status_code == 400
    assert "答复函.pdf" in errors_of(response, "reply")
    assert not Reply.objects.exists()


def test_the_reply_document_is_served_to_who_may_read_it(client, pw):
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead, _co = split(rows)
    reply = handling.assignment_reply(
        actor=pw.users["edu_unit"],
        assignment_id=lead.pk,
        answer_class="A",
        text=REPLY,
        document=SimpleUploadedFile("答复函.pdf", PDF),
    )
    target = reverse("proposal_units:document", args=[reply.pk])
    for who in ("edu_unit", "zhang", "officer", "gov_unit"):
        login(client, pw, who)
        response = client.get(target)
        assert response.status_code == 200, who
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    for who in ("other_unit", "other_officer", "chen"):
        login(client, pw, who)
        assert client.get(target).status_code == 404, who
    login(client, pw, "nobody")
    assert client.get(target).status_code == 403


# --- stale forms and finished steps ---------------------------------------------------------------------


def test_a_stale_form_is_reported_with_what_was_typed(client, pw):
    _suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    seen = version(lead)
    handling.assignment_accept(actor=pw.users["edu_unit"], assignment_id=lead.pk)
    response = client.post(
        step_url(lead, "contact"),
        {"version": seen, "kind": "phone", "date": today().isoformat(), "note": "电话沟通办理进展"},
    )
    assert response.status_code == 409
    assert "电话沟通办理进展" in text(response)
    assert not UnitContact.objects.exists()


def test_steps_on_a_finished_assignment_are_refused_with_a_message(client, pw):
    suggestion, rows = pw.assigned()
    lead, co = split(rows)
    pw.reply(suggestion)
    login(client, pw, "gov_unit")
    response = post(client, co, "co_opinion", text="迟到的协办意见，请主办单位参考。")
    assert response.status_code == 409
    assert str(Suggestion.Status.REPLIED.label) in " ".join(str(m) for m in response.context["messages"])
    assert not response.context["steps"] and response.context["over"]
    assert not Reply.objects.filter(kind="co_opinion").exists()
    assert client.post(step_url(co, "nonsense"), {"version": 1}).status_code == 404
    assert client.get(step_url(co, "accept")).status_code == 405


def test_a_notification_link_and_the_items_redirect_open_the_units_assignment(client, pw):
    suggestion, rows = pw.assigned()
    lead, _co = split(rows)
    login(client, pw, "edu_unit")
    response = client.get(reverse("proposal_units:suggestion", args=[suggestion.pk]))
    assert response.status_code == 302 and response["Location"] == page_url(lead)
    from liaison.notifications.models import Notification

    told = Notification.objects.filter(user=pw.users["edu_unit"], kind__startswith="proposal").first() or (
        Notification.objects.filter(user=pw.users["edu_unit"]).first()
    )
    assert told is not None and told.url == page_url(lead)
    login(client, pw, "other_unit")
    assert client.get(reverse("proposal_units:suggestion", args=[suggestion.pk])).status_code == 404


def test_commitment_row_is_a_fragment(client, pw):
    login(client, pw, "edu_unit")
    response = client.get(reverse("proposal_units:commitment_row"))
    assert response.status_code == 200 and 'name="commitment"' in text(response)
    assert "<html" not in text(response)
