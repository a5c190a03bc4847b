"""The opinion workflow through its services: every step in the right state by the right person, and
refused in the wrong state, by the wrong role and outside the scope."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from liaison.core import deadlines
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.opinions import exceptions as errors
from liaison.opinions import services
from liaison.opinions.models import Assignment, Event, Extension, Opinion, PublicAttempt
from liaison.opinions.tests.conftest import today

S = Opinion.Status
pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def accepted(ow, submit, *, level="township", **kwargs) -> Opinion:
    opinion = submit(**kwargs)
    return services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level=level)


def assigned(ow, submit, *units) -> tuple[Opinion, list[Assignment]]:
    opinion = accepted(ow, submit)
    rows = services.opinion_assign(
        actor=ow.users["staff"], opinion_id=opinion.pk, units=list(units) or [ow.units["town_gov"]]
    )
    return Opinion.objects.get(pk=opinion.pk), rows


def replied(ow, submit) -> Opinion:
    opinion, (assignment,) = assigned(ow, submit)
    services.assignment_reply(
        actor=ow.users["town_unit"],
        opinion_id=opinion.pk,
        assignment_id=assignment.pk,
        text="已安排施工队本周内修复路面。",
    )
    return Opinion.objects.get(pk=opinion.pk)


def fed_back(ow, submit) -> Opinion:
    opinion = replied(ow, submit)
    return services.opinion_feed_back(
        actor=ow.users["staff"], opinion_id=opinion.pk, answer="道路将于本周修复，感谢您的反映。"
    )


# --- intake -----------------------------------------------------------------------------------------


def test_submit_gives_a_tracking_code_and_queues_at_the_township(ow, submit):
    opinion = submit()
    assert len(opinion.tracking_code) == 12
    assert opinion.status == S.SUBMITTED
    assert opinion.region == ow.regions["village"]
    assert opinion.queue_region == ow.regions["town"]  # a village has no congress
    assert opinion.title  # summarised from the text
    assert Event.objects.filter(opinion=opinion, action="submit", public=True).exists()
    assert AuditLog.objects.filter(model="opinions.Opinion", object_id=str(opinion.pk), action="create").exists()


def test_tracking_codes_of_a_day_share_their_first_two_characters(ow, submit):
    day = datetime.date(2026, 12, 2)
    codes = {services.new_tracking_code(day) for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 12 and set(c) <= set(services.TRACKING_ALPHABET) for c in codes)
    assert len({c[:2] for c in codes}) == 1  # together in the unique index
    assert services.new_tracking_code(day + datetime.timedelta(days=1))[:2] != next(iter(codes))[:2]
    assert services.new_tracking_code(day + datetime.timedelta(days=961))[:2] == next(iter(codes))[:2]
    assert submit().tracking_code[:2] == services.new_tracking_code()[:2]


def test_code_columns_have_no_pattern_index_copies():
    """PostgreSQL: the codes are compared whole, so their indexes have no `…_like` copy to keep up."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL adds pattern copies")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'opinions_opinion'")
        names = [name for (name,) in cursor.fetchall()]
    for column in ("tracking_code", "phone_index", "email_index", "idempotency_key"):
        assert any(column in n for n in names)  # the index itself is there
        assert not [n for n in names if column in n and n.endswith("_like")]


def test_contact_is_encrypted_at_rest_and_indexed_blindly(ow, submit):
    opinion = submit(phone="13812345678", actor=ow.users["staff"], channel="visit")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT submitter_phone, submitter_name, phone_index FROM opinions_opinion WHERE id = %s", [opinion.pk]
        )
        phone, name, index = cursor.fetchone()
    assert "13812345678" not in phone and "李群众" not in name
    assert index and index != "13812345678"
    assert Opinion.objects.get(pk=opinion.pk).submitter_phone == "13812345678"


def test_double_submit_with_the_same_key_makes_one_opinion(ow, submit):
    first = submit(idempotency_key="abc-123")
    second = submit(idempotency_key="abc-123")
    assert first.pk == second.pk
    assert Opinion.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "太短了"}, "text"),
        ({"text": "长" * 5001}, "text"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "visit"}, "channel"),  # a staff channel without staff
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"notify_by": "sms"}, "phone"),
        ({"region": None, "station": None}, "region"),
    ],
)
def test_submit_refuses_bad_input_with_the_field(ow, submit, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        submit(**kwargs)
    assert caught.value.field == field
    assert Opinion.objects.count() == 0


def test_online_phone_needs_the_sms_code(ow, submit, settings):
    settings.OPINION_SMS_VERIFICATION = True
    with pytest.raises(errors.PhoneNotVerified):
        submit(phone="13812345678", sms_code="000000")
    assert Opinion.objects.count() == 0


def test_staff_registration_is_scoped(ow, submit):
    with pytest.raises(NotFound):
        submit(actor=ow.users["other_staff"], channel="phone")
    opinion = submit(actor=ow.users["staff"], channel="phone", received_by=ow.deputy)
    assert opinion.registered_by == ow.users["staff"]


def test_attachments_are_checked_by_content(ow, submit):
    fake = SimpleUploadedFile("photo.png", b"<html>not an image</html>", content_type="image/png")
    with pytest.raises(errors.AttachmentRejected):
        submit(attachments=[fake])
    good = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    opinion = submit(attachments=[good])
    (attachment,) = opinion.attachments.all()
    assert attachment.content_type == "image/png" and attachment.size > 0


# --- office steps -------------------------------------------------------------------------------------


def test_accept_by_station_staff_and_by_the_township_office(ow, submit):
    a = accepted(ow, submit)
    assert a.status == S.ACCEPTED and a.level == "township"
    b = submit()
    services.opinion_accept(actor=ow.users["town_officer"], opinion_id=b.pk, level="county")
    assert Opinion.objects.get(pk=b.pk).level == "county"


@pytest.mark.parametrize("who", ["other_staff", "other_officer"])
def test_outside_scope_is_not_found(ow, submit, who):
    opinion = submit()
    with pytest.raises(NotFound):
        services.opinion_accept(actor=ow.users[who], opinion_id=opinion.pk, level="township")


@pytest.mark.parametrize("who", ["unit", "leader", "deputy"])
def test_wrong_role_is_refused(ow, submit, who):
    opinion = submit(received_by=ow.deputy)
    with pytest.raises((errors.NotYourStep, NotFound)):
        services.opinion_accept(actor=ow.users[who], opinion_id=opinion.pk, level="township")
    assert Opinion.objects.get(pk=opinion.pk).status == S.SUBMITTED


def test_wrong_state_is_refused_with_the_state(ow, submit):
    opinion = accepted(ow, submit)
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_feed_back(actor=ow.users["staff"], opinion_id=opinion.pk, answer="这是一个回复内容。")


def test_stale_version_is_reported(ow, submit):
    opinion = submit()
    seen = opinion.version
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township", version=seen)
    with pytest.raises((errors.OpinionChanged, errors.TransitionNotAllowed)):
        services.opinion_answer_on_spot(
            actor=ow.users["town_officer"], opinion_id=opinion.pk, answer="已解答", version=seen
        )


def test_the_deputy_who_received_answers_on_the_spot(ow, submit):
    opinion = submit(actor=ow.users["staff"], channel="visit", received_by=ow.deputy)
    done = services.opinion_answer_on_spot(actor=ow.users["deputy"], opinion_id=opinion.pk, answer="已现场解释政策。")
    assert done.status == S.ANSWERED_ON_SPOT and done.answer


def test_assign_sets_a_deadline_in_working_days(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    assert opinion.status == S.ASSIGNED
    assert assignment.deadline == deadlines.add_working_days(today(), 15)
    assert opinion.due_date == assignment.deadline


def test_assign_refuses_a_unit_of_another_level_or_region(ow, submit):
    opinion = accepted(ow, submit)
    with pytest.raises(errors.WrongLevel):
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["county_edu"]])
    with pytest.raises(errors.WrongLevel):
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["other_edu"]])


def test_a_county_matter_must_be_escalated_before_assignment(ow, submit):
    opinion = accepted(ow, submit, level="county")
    with pytest.raises(errors.WrongLevel):
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["county_edu"]])
    escalated = services.opinion_escalate(actor=ow.users["staff"], opinion_id=opinion.pk, comment="属县级事权")
    assert escalated.status == S.ESCALATED and escalated.queue_region == ow.regions["county"]
    # the station's staff no longer handle it; the county office does
    with pytest.raises(errors.NotYourStep):
        services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="county")
    services.opinion_accept(actor=ow.users["officer"], opinion_id=opinion.pk, level="county")
    (row,) = services.opinion_assign(actor=ow.users["officer"], opinion_id=opinion.pk, units=[ow.units["county_edu"]])
    assert row.unit == ow.units["county_edu"]


def test_escalation_needs_a_higher_level(ow, submit):
    opinion = accepted(ow, submit, level="township")
    with pytest.raises(errors.EscalationNotPossible):
        services.opinion_escalate(actor=ow.users["staff"], opinion_id=opinion.pk, comment="试试")


def test_redirect_needs_a_reason_and_shows_it(ow, submit):
    opinion = submit()
    with pytest.raises(ValidationFailed):
        services.opinion_redirect(actor=ow.users["staff"], opinion_id=opinion.pk, target="court", comment="")
    done = services.opinion_redirect(
        actor=ow.users["staff"], opinion_id=opinion.pk, target="court", comment="属诉讼事项，请依法向法院起诉。"
    )
    assert done.status == S.REDIRECTED and "法院" in done.answer


def test_merge_into_an_earlier_opinion(ow, submit):
    earlier = submit()
    later = submit(text="村口那条路又坏了，下雨积水，请尽快修。")
    done = services.opinion_merge(actor=ow.users["staff"], opinion_id=later.pk, into=earlier.tracking_code.lower())
    assert done.status == S.MERGED and done.merged_into == earlier
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_merge(actor=ow.users["staff"], opinion_id=later.pk, into=earlier.tracking_code)
    newer = submit(text="又一条关于道路的意见，内容足够长。")
    with pytest.raises(errors.MergeNotPossible):
        services.opinion_merge(actor=ow.users["staff"], opinion_id=earlier.pk, into=newer.tracking_code)


# --- unit steps ----------------------------------------------------------------------------------------


def test_unit_accepts_and_replies_and_the_opinion_is_replied(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    services.assignment_accept(actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk)
    with pytest.raises(errors.TransitionNotAllowed):
        services.assignment_accept(actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk)
    reply = services.assignment_reply(
        actor=ow.users["town_unit"],
        opinion_id=opinion.pk,
        assignment_id=assignment.pk,
        text="经现场查看，已列入本月维修计划。",
        attachments=[SimpleUploadedFile("plan.png", png_bytes())],
    )
    assert reply.attachments.count() == 1
    assert Opinion.objects.get(pk=opinion.pk).status == S.REPLIED


def test_another_unit_cannot_act(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    with pytest.raises((NotFound, errors.NotYourStep)):
        services.assignment_reply(
            actor=ow.users["water_unit"],
            opinion_id=opinion.pk,
            assignment_id=assignment.pk,
            text="不是我们的事情哦哦哦",
        )
    with pytest.raises(NotFound):
        services.assignment_reply(
            actor=ow.users["unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, text="不是我们的事情哦哦哦"
        )


def test_two_units_the_opinion_is_replied_when_both_have(ow, submit):
    opinion, rows = assigned(ow, submit, ow.units["town_gov"], ow.units["town_water"])
    gov, water = rows
    services.assignment_reply(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=gov.pk, text="镇政府已协调资金修路。"
    )
    assert Opinion.objects.get(pk=opinion.pk).status == S.ASSIGNED
    services.assignment_reply(
        actor=ow.users["water_unit"], opinion_id=opinion.pk, assignment_id=water.pk, text="水利站负责排水沟疏通。"
    )
    assert Opinion.objects.get(pk=opinion.pk).status == S.REPLIED
    assert "镇政府" in services.replies_text(opinion) and "水利站" in services.replies_text(opinion)


def test_sending_back_returns_it_to_the_office(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    with pytest.raises(ValidationFailed):
        services.assignment_return(
            actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, reason=""
        )
    services.assignment_return(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, reason="不属于本单位职责"
    )
    opinion = Opinion.objects.get(pk=opinion.pk)
    assert opinion.status == S.ACCEPTED and opinion.due_date is None
    # it can be assigned again, to the right unit
    services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_water"]])


def test_extension_is_capped_and_decided_by_the_office(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    too_far = deadlines.add_working_days(assignment.deadline, 16)
    with pytest.raises(errors.ExtensionNotPossible):
        services.extension_request(
            actor=ow.users["town_unit"],
            opinion_id=opinion.pk,
            assignment_id=assignment.pk,
            deadline=too_far,
            reason="需要招标",
        )
    new = deadlines.add_working_days(assignment.deadline, 10)
    extension = services.extension_request(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, deadline=new, reason="需要招标"
    )
    with pytest.raises(errors.ExtensionNotPossible):
        services.extension_request(
            actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, deadline=new, reason="再要"
        )
    with pytest.raises(errors.NotYourStep):
        services.extension_decide(
            actor=ow.users["town_unit"], opinion_id=opinion.pk, extension_id=extension.pk, approve=True
        )
    services.extension_decide(actor=ow.users["staff"], opinion_id=opinion.pk, extension_id=extension.pk, approve=True)
    assert Assignment.objects.get(pk=assignment.pk).deadline == new
    assert Opinion.objects.get(pk=opinion.pk).due_date == new
    assert Extension.objects.get(pk=extension.pk).status == Extension.Status.APPROVED


def test_unit_contact_is_recorded(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    services.assignment_contact_add(
        actor=ow.users["town_unit"],
        opinion_id=opinion.pk,
        assignment_id=assignment.pk,
        kind="phone",
        date=today(),
        note="电话联系群众说明维修时间",
    )
    with pytest.raises(ValidationFailed):
        services.assignment_contact_add(
            actor=ow.users["town_unit"],
            opinion_id=opinion.pk,
            assignment_id=assignment.pk,
            kind="phone",
            date=today() + datetime.timedelta(days=2),
            note="未来",
        )
    assert assignment.contacts.count() == 1


# --- back to the citizen --------------------------------------------------------------------------------


def test_feed_back_then_satisfied_return_visit_closes(ow, submit):
    opinion = fed_back(ow, submit)
    assert opinion.status == S.FED_BACK and opinion.answered_at
    done = services.opinion_return_visit(
        actor=ow.users["staff"], opinion_id=opinion.pk, satisfaction="satisfied", method="phone"
    )
    assert done.status == S.CLOSED and done.satisfaction == "satisfied" and done.closed_at


def test_dissatisfied_reopens_once_then_closes(ow, submit):
    opinion = fed_back(ow, submit)
    reopened = services.opinion_return_visit(
        actor=ow.users["staff"],
        opinion_id=opinion.pk,
        satisfaction="dissatisfied",
        method="phone",
        comment="路还是没修",
    )
    assert reopened.status == S.ACCEPTED and reopened.reopen_count == 1
    # handled again
    services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_water"]])
    (assignment,) = Assignment.objects.filter(opinion=opinion, status="pending")
    services.assignment_reply(
        actor=ow.users["water_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, text="排水沟已疏通完毕。"
    )
    services.opinion_feed_back(actor=ow.users["staff"], opinion_id=opinion.pk, answer="排水沟已疏通，路面已修复。")
    closed = services.opinion_return_visit(
        actor=ow.users["staff"], opinion_id=opinion.pk, satisfaction="dissatisfied", method="phone"
    )
    assert closed.status == S.CLOSED and closed.satisfaction == "dissatisfied" and closed.reopen_count == 1


def test_citizen_rates_with_the_receipt_only(ow):
    opinion, secret = services.opinion_submit(
        channel="online", region=ow.regions["town"], text="镇上路灯晚上不亮，行人出行不便。"
    )
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_rate(tracking_code=opinion.tracking_code, satisfaction="satisfied", secret=secret)
    services.opinion_answer_on_spot(actor=ow.users["town_officer"], opinion_id=opinion.pk, answer="路灯已报修。")
    with pytest.raises(errors.SubmitterNotProven):
        services.opinion_rate(tracking_code=opinion.tracking_code, satisfaction="satisfied", secret="guess")
    done = services.opinion_rate(tracking_code=opinion.tracking_code, satisfaction="basically", secret=secret)
    # the rating is recorded and shown to the office; the office's return visit closes it
    assert done.status == S.ANSWERED_ON_SPOT and done.satisfaction == "basically"
    assert done.visits.get().method == "online"
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_rate(tracking_code=opinion.tracking_code, satisfaction="satisfied", secret=secret)
    closed = services.opinion_return_visit(
        actor=ow.users["town_officer"], opinion_id=opinion.pk, satisfaction="basically", method="phone"
    )
    assert closed.status == S.CLOSED


def test_close_needs_a_reason(ow, submit):
    opinion = fed_back(ow, submit)
    with pytest.raises(ValidationFailed):
        services.opinion_close(actor=ow.users["staff"], opinion_id=opinion.pk, comment="")
    assert (
        services.opinion_close(actor=ow.users["staff"], opinion_id=opinion.pk, comment="多次联系不上群众").status
        == S.CLOSED
    )


# --- publication and personal data ------------------------------------------------------------------------


def test_redaction_masks_personal_data():
    text = "我叫李群众，电话13812345678，身份证110101199003071234，邮箱li@example.com。"
    out = services.redact(text, names=["李群众"])
    assert "13812345678" not in out and "110101199003071234" not in out and "li@example.com" not in out
    assert "李群众" not in out and "138****5678" in out


def test_publish_masks_again_whatever_was_typed(ow, submit):
    opinion = fed_back(ow, submit)
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_publish(
            actor=ow.users["staff"], opinion_id=submit().pk, title="标题", text="内容内容内容", answer="答复答复答复"
        )
    done = services.opinion_publish(
        actor=ow.users["staff"],
        opinion_id=opinion.pk,
        title="道路修缮",
        text="李群众反映道路问题，电话13812345678",
        answer="已修复完毕。",
    )
    assert done.is_published and "13812345678" not in done.published_text and "李群众" not in done.published_text
    services.opinion_unpublish(actor=ow.users["staff"], opinion_id=opinion.pk, comment="撤回")
    assert not Opinion.objects.get(pk=opinion.pk).is_published


def test_contact_reveal_is_audited_and_scoped(ow, submit):
    opinion = submit(actor=ow.users["staff"], channel="phone", phone="13812345678")
    data = services.opinion_contact_reveal(actor=ow.users["staff"], opinion_id=opinion.pk)
    assert data["phone"] == "13812345678"
    assert AuditLog.objects.filter(action="view", object_id=str(opinion.pk)).count() == 1
    with pytest.raises(NotFound):
        services.opinion_contact_reveal(actor=ow.users["other_officer"], opinion_id=opinion.pk)
    with pytest.raises(errors.NotYourStep):
        services.opinion_contact_reveal(actor=ow.users["leader"], opinion_id=opinion.pk)


def test_contacts_of_old_closed_opinions_are_purged(ow, submit, settings):
    opinion = submit(actor=ow.users["staff"], channel="phone", phone="13812345678")
    services.opinion_answer_on_spot(actor=ow.users["staff"], opinion_id=opinion.pk, answer="已解答政策问题。")
    services.opinion_close(actor=ow.users["staff"], opinion_id=opinion.pk, comment="已办结")
    settings.OPINION_CONTACT_RETENTION_DAYS = 30
    from django.utils import timezone

    assert services.opinion_contacts_purge(now=timezone.now()) == 0
    assert services.opinion_contacts_purge(now=timezone.now() + datetime.timedelta(days=31)) == 1
    purged = Opinion.objects.get(pk=opinion.pk)
    assert purged.submitter_phone == "" and purged.submitter_name == "" and purged.contact_purged_at
    assert purged.text  # the matter stays
    with pytest.raises(errors.ContactPurged):
        services.opinion_contact_reveal(actor=ow.users["staff"], opinion_id=opinion.pk)


# --- deadlines -----------------------------------------------------------------------------------------------


def test_reminders_and_overdue_notices_are_sent_once(ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    soon = deadlines.add_working_days(assignment.deadline, -2)
    reminded, overdue = services.assignments_remind(today=soon)
    assert (reminded, overdue) == (1, 0)
    assert services.assignments_remind(today=soon) == (0, 0)  # once a day
    late = assignment.deadline + datetime.timedelta(days=1)
    assert services.assignments_remind(today=late)[1] == 1
    assert services.assignments_remind(today=late)[1] == 0


def test_every_step_is_on_the_timeline_and_in_the_audit_trail(ow, submit):
    opinion = fed_back(ow, submit)
    actions = list(opinion.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["submit", "accept", "assign", "reply", "feed_back"]
    assert (
        AuditLog.objects.filter(model="opinions.Opinion", object_id=str(opinion.pk), action="transition").count() == 4
    )


def test_the_address_limit_is_checked_and_counted_with_the_new_opinion(ow, settings):
    settings.OPINION_SUBMIT_PER_IP_HOUR = 2
    place = ow.regions["town"]

    def send(key, text="镇上路灯晚上不亮，行人出行不便。", **extra):
        return services.opinion_submit(
            channel="online", region=place, text=text, idempotency_key=key, counted_ip="10.1.2.3", **extra
        )

    first, secret = send("limit-key-0000000001")
    assert secret and PublicAttempt.objects.get().ip == "10.1.2.3"
    # a replay found by the key's unique index (the insert fails and the whole transaction is
    # retried as a replay) makes no second opinion and counts nothing
    again, replayed_secret = send("limit-key-0000000001")
    assert again.pk == first.pk and replayed_secret == ""
    assert PublicAttempt.objects.count() == 1 and Opinion.objects.count() == 1
    assert Event.objects.filter(opinion=first).count() == 1
    # a submission refused after the check counts nothing (the count is written with the opinion)
    with pytest.raises(errors.PhoneNotVerified):
        send("limit-key-0000000002", phone="13812345678")
    with pytest.raises(ValidationFailed):
        send("limit-key-0000000003", text="短")
    assert PublicAttempt.objects.count() == 1
    send("limit-key-0000000004")
    assert PublicAttempt.objects.count() == 2
    with pytest.raises(errors.TooManySubmissions):
        send("limit-key-0000000005")
    # a replay of a key already used is neither checked nor counted
    again, replayed_secret = send("limit-key-0000000001")
    assert again.pk == first.pk and replayed_secret == ""
    assert PublicAttempt.objects.count() == 2 and Opinion.objects.count() == 2
    # staff registration and a confirmed phone pass no address (counted_ip None): never limited here
    services.opinion_submit(channel="online", region=place, text="镇上路灯晚上不亮，行人出行不便。")
    assert PublicAttempt.objects.count() == 2
