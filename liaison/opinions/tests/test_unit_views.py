"""The handling unit's workspace (/work/units/) through its pages: who gets in, the queue with its tabs
and deadlines, the unit's page of one assignment, and each of the unit's steps in the right state, in
the wrong state, with a stale version, and on another unit's assignment."""

import datetime
import io
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image

from liaison.core import deadlines
from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD, make_user
from liaison.opinions import services
from liaison.opinions.exceptions import OpinionChanged
from liaison.opinions.models import Assignment, Attachment, Extension, Opinion, UnitContact

from .conftest import today

S = Opinion.Status
pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (6, 6), "blue").save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def assign(ow, submit, *units, **submit_args) -> Assignment:
    """An opinion registered at the station with the citizen's phone, accepted at township level and
    assigned to the township government (or `units`); returns the first assignment."""
    args = {"actor": ow.users["staff"], "channel": "visit", "phone": "13812345678", **submit_args}
    opinion = submit(**args)
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    rows = services.opinion_assign(
        actor=ow.users["staff"],
        opinion_id=opinion.pk,
        units=list(units) or [ow.units["town_gov"]],
        instructions="请核实道路情况并答复群众。",
    )
    return rows[0]


def ask_more_time(ow, a: Assignment, days: int):
    return services.extension_request(
        actor=ow.users["town_unit"],
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        deadline=deadlines.add_working_days(a.deadline, days),
        reason="需要协调县交通局共同勘察。",
    )


def version(assignment: Assignment) -> int:
    return Opinion.objects.get(pk=assignment.opinion_id).version


def url(name: str, assignment: Assignment) -> str:
    return reverse(f"opinions_unit:{name}", kwargs={"pk": assignment.pk})


@pytest.fixture
def unit_client(client, ow):
    login(client, ow.users["town_unit"])
    return client


# --- access -------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, ow, submit):
    a = assign(ow, submit)
    for target in [reverse("opinions_unit:queue"), url("assignment", a), url("accept", a)]:
        response = client.get(target) if not target.endswith("accept/") else client.post(target)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["nobody", "staff", "town_officer", "officer", "leader", "deputy"])
def test_only_unit_staff_use_the_unit_queue(client, ow, submit, who):
    """The liaison office and the station have their own workspace; the unit queue is the units'."""
    a = assign(ow, submit)
    login(client, ow.users[who])
    assert client.get(reverse("opinions_unit:queue")).status_code == 403
    assert client.get(url("assignment", a)).status_code == 403


def test_office_staff_who_are_also_unit_staff_get_in(client, ow, submit):
    a = assign(ow, submit)
    both = make_user(
        "both",
        roles=[("liaison_officer", {"region": ow.regions["town"]}), ("handling_unit", {"unit": ow.units["town_gov"]})],
    )
    login(client, both)
    response = client.get(reverse("opinions_unit:queue"))
    assert response.status_code == 200
    assert a.opinion.tracking_code in response.content.decode()


def test_another_units_assignment_is_not_found(client, ow, submit):
    a = assign(ow, submit)
    login(client, ow.users["water_unit"])
    assert client.get(url("assignment", a)).status_code == 404
    for name in ("accept", "reply", "contact", "extension", "return", "reveal"):
        assert client.post(url(name, a), {"version": version(a)}).status_code == 404, name
    assert client.get(reverse("opinions_unit:opinion", kwargs={"pk": a.opinion_id})).status_code == 404
    a.refresh_from_db()
    assert a.status == Assignment.Status.PENDING


def test_a_unit_of_another_region_does_not_see_the_opinion_in_its_queue(client, ow, submit):
    a = assign(ow, submit)
    login(client, ow.users["unit"])  # 甲一县教育局: county level, not assigned
    response = client.get(reverse("opinions_unit:queue"))
    assert response.status_code == 200
    assert a.opinion.tracking_code not in response.content.decode()


# --- the queue ----------------------------------------------------------------------------------------


def test_queue_shows_deadline_in_working_days(unit_client, ow, submit):
    a = assign(ow, submit)
    left = deadlines.working_days_between(today(), a.deadline)
    response = unit_client.get(reverse("opinions_unit:queue"))
    assert a.opinion.tracking_code in response.content.decode()
    row = response.context["page"].object_list[0]
    assert (row.due.days, row.due.overdue) == (left, False)
    with translation.override("en"):
        english = unit_client.get(reverse("opinions_unit:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{left} working days left" in english


def test_overdue_tab_and_marker(unit_client, ow, submit):
    a = assign(ow, submit)
    late = deadlines.add_working_days(today(), -2)
    Assignment.objects.filter(pk=a.pk).update(deadline=late)
    response = unit_client.get(reverse("opinions_unit:queue") + "?tab=overdue")
    body = response.content.decode()
    assert a.opinion.tracking_code in body
    assert "table-danger" in body
    assert response.context["page"].object_list[0].due.days == 2
    assert response.context["page"].object_list[0].due.overdue
    assert response.context["overdue_count"] == 1


def test_tabs_split_open_replied_and_returned(unit_client, ow, submit):
    open_ = assign(ow, submit)
    replied = assign(ow, submit, text="第二条意见：路灯损坏多日，夜间出行不便。")
    returned = assign(ow, submit, text="第三条意见：河道垃圾堆积，影响环境卫生。")
    unit = ow.users["town_unit"]
    services.assignment_reply(
        actor=unit, opinion_id=replied.opinion_id, assignment_id=replied.pk, text="路灯已于昨日修复。"
    )
    services.assignment_return(
        actor=unit, opinion_id=returned.opinion_id, assignment_id=returned.pk, reason="属于县水利局职责。"
    )

    def codes(tab):
        response = unit_client.get(reverse("opinions_unit:queue") + f"?tab={tab}")
        return {a.opinion.tracking_code for a in response.context["page"].object_list}

    assert codes("open") == {open_.opinion.tracking_code}
    assert codes("replied") == {replied.opinion.tracking_code}
    assert codes("returned") == {returned.opinion.tracking_code}
    assert codes("nonsense") == {open_.opinion.tracking_code}


def test_search_by_words_and_tracking_code(unit_client, ow, submit):
    road = assign(ow, submit)
    light = assign(ow, submit, text="路灯损坏多日，夜间出行不便。")

    def codes(q):
        response = unit_client.get(reverse("opinions_unit:queue"), {"q": q})
        return {a.opinion.tracking_code for a in response.context["page"].object_list}

    assert codes("路灯") == {light.opinion.tracking_code}
    assert codes(road.opinion.tracking_code.lower()) == {road.opinion.tracking_code}


def test_pending_extension_is_marked(unit_client, ow, submit):
    a = assign(ow, submit)
    ask_more_time(ow, a, 5)
    response = unit_client.get(reverse("opinions_unit:queue"))
    assert response.context["page"].object_list[0].extension_pending is True
    assert "bi-hourglass-split" in response.content.decode()


def test_queue_query_count_is_constant(
    unit_client, ow, submit, django_assert_num_queries, django_assert_max_num_queries
):
    for i in range(5):
        assign(ow, submit, text=f"第{i}条意见：村道需要修缮，雨天积水。")
    target = reverse("opinions_unit:queue")
    unit_client.get(target)  # warm the session and the calendar
    with django_assert_max_num_queries(12) as ctx:
        response = unit_client.get(target)
    baseline = len(ctx.captured_queries)
    assert len(response.context["page"].object_list) == 5
    for i in range(45):
        assign(ow, submit, text=f"第{i + 5}条意见：村道需要修缮，雨天积水。")
    with django_assert_num_queries(baseline):
        response = unit_client.get(target)
    assert len(response.context["page"].object_list) == 50


def test_notification_link_opens_the_units_assignment(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.get(reverse("opinions_unit:opinion", kwargs={"pk": a.opinion_id}))
    assert response.status_code == 302 and response["Location"] == url("assignment", a)


# --- the assignment's page --------------------------------------------------------------------------


def test_page_shows_text_instructions_masked_contact_and_steps(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.get(url("assignment", a))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "村口道路坑洼" in body
    assert "请核实道路情况并答复群众。" in body
    assert "138****5678" in body and "13812345678" not in body
    assert "李*" in body and "李群众" not in body
    names = [s["name"] for s in response.context["steps"]]
    assert names == ["accept", "reply", "contact", "extension", "return"]
    assert response.context["latest_extension"] == services.extension_latest(a)


def test_timeline_shows_public_steps_and_the_units_own_not_other_units(unit_client, ow, submit):
    a = assign(ow, submit, ow.units["town_gov"], ow.units["town_water"])
    water = Assignment.objects.get(opinion_id=a.opinion_id, unit=ow.units["town_water"])
    services.assignment_contact_add(
        actor=ow.users["water_unit"],
        opinion_id=a.opinion_id,
        assignment_id=water.pk,
        kind="phone",
        date=today(),
        note="水利站内部记录，不给别的单位看。",
    )
    services.assignment_contact_add(
        actor=ow.users["town_unit"],
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        kind="visit",
        date=today(),
        note="上门查看了路面。",
    )
    body = unit_client.get(url("assignment", a)).content.decode()
    assert "上门查看了路面。" in body
    assert "水利站内部记录" not in body


def test_full_contact_is_shown_on_request_and_audited(unit_client, ow, submit):
    a = assign(ow, submit)
    before = AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(a.opinion_id)).count()
    response = unit_client.post(url("reveal", a), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "13812345678" in body and "李群众" in body
    assert response["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(a.opinion_id)).count() == before + 1
    # without htmx: the whole page, contact shown
    full = unit_client.post(url("reveal", a))
    assert full.status_code == 200 and "13812345678" in full.content.decode()
    assert unit_client.get(url("reveal", a)).status_code == 405


def test_no_full_contact_once_the_unit_has_replied(unit_client, ow, submit):
    a = assign(ow, submit)
    services.assignment_reply(
        actor=ow.users["town_unit"], opinion_id=a.opinion_id, assignment_id=a.pk, text="已处理完毕。"
    )
    page = unit_client.get(url("assignment", a))
    assert page.context["can_reveal"] is False
    response = unit_client.post(url("reveal", a), follow=True)
    assert "13812345678" not in response.content.decode()


def test_attachments_download_through_the_permission_check(client, ow, submit):
    a = assign(ow, submit)
    opinion = a.opinion
    services._store_attachments(opinion, [SimpleUploadedFile("现场.png", png_bytes())], actor=None)
    attachment = Attachment.objects.get(opinion=opinion)
    target = reverse("opinions_unit:attachment", kwargs={"pk": attachment.pk})
    login(client, ow.users["town_unit"])
    page = client.get(url("assignment", a)).content.decode()
    assert target in page
    response = client.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    client.logout()
    login(client, ow.users["water_unit"])
    assert client.get(target).status_code == 404
    client.logout()
    login(client, ow.users["staff"])
    assert client.get(target).status_code == 403


def test_other_units_reply_attachments_stay_with_them(client, ow, submit):
    a = assign(ow, submit, ow.units["town_gov"], ow.units["town_water"])
    water = Assignment.objects.get(opinion_id=a.opinion_id, unit=ow.units["town_water"])
    services.assignment_reply(
        actor=ow.users["water_unit"],
        opinion_id=a.opinion_id,
        assignment_id=water.pk,
        text="水利站已处理。",
        attachments=[SimpleUploadedFile("回复.pdf", PDF)],
    )
    attachment = Attachment.objects.get(reply__isnull=False)
    login(client, ow.users["town_unit"])
    assert client.get(reverse("opinions_unit:attachment", kwargs={"pk": attachment.pk})).status_code == 404
    client.logout()
    login(client, ow.users["water_unit"])
    response = client.get(reverse("opinions_unit:attachment", kwargs={"pk": attachment.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]


# --- the steps ----------------------------------------------------------------------------------------


def test_accept(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(url("accept", a), {"version": version(a)})
    assert response.status_code == 302 and response["Location"] == url("assignment", a)
    a.refresh_from_db()
    assert a.status == Assignment.Status.ACCEPTED
    assert AuditLog.objects.filter(object_id=str(a.opinion_id), reason="unit_accept").exists()
    page = unit_client.get(url("assignment", a))
    assert "accept" not in [s["name"] for s in page.context["steps"]]


def test_accept_twice_is_the_wrong_state(unit_client, ow, submit):
    a = assign(ow, submit)
    services.assignment_accept(actor=ow.users["town_unit"], opinion_id=a.opinion_id, assignment_id=a.pk)
    response = unit_client.post(url("accept", a), {"version": version(a)})
    assert response.status_code == 409
    assert escape(_("The unit has already accepted or answered this assignment.")) in response.content.decode()


@pytest.mark.parametrize(
    "name, data",
    [
        ("accept", {}),
        ("reply", {"text": "已经安排修复道路。"}),
        ("contact", {"kind": "phone", "date": "TODAY", "note": "电话联系了群众。"}),
        ("extension", {"deadline": "LATER", "reason": "需要协调其他部门。"}),
        ("return", {"reason": "属于县交通局职责。"}),
    ],
)
def test_a_stale_version_is_reported_and_the_input_kept(unit_client, ow, submit, name, data):
    a = assign(ow, submit)
    seen = version(a)
    # someone else acts in between: the office withdraws another unit's assignment... here, a colleague
    services.assignment_contact_add(
        actor=ow.users["town_unit"],
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        kind="phone",
        date=today(),
        note="同事先记了一次联系。",
    )
    values = {k: (today().isoformat() if v == "TODAY" else v) for k, v in data.items()}
    if values.get("deadline") == "LATER":
        values["deadline"] = deadlines.add_working_days(a.deadline, 3).isoformat()
    response = unit_client.post(url(name, a), {"version": seen, **values})
    assert response.status_code == 409, name
    assert escape(str(OpinionChanged.message)) in response.content.decode()
    if name != "accept":
        form = next(s["form"] for s in response.context["steps"] if s["name"] == name)
        assert form["version"].value() == str(version(a))  # a second submit goes through
        for key, value in values.items():
            assert str(form[key].value()) == value
    a.refresh_from_db()
    assert a.status == Assignment.Status.PENDING
    assert UnitContact.objects.filter(assignment=a).count() == 1


@pytest.mark.parametrize("name", ["accept", "reply", "contact", "extension", "return"])
def test_after_the_office_withdrew_it_every_step_says_so(unit_client, ow, submit, name):
    a = assign(ow, submit)
    services.assignment_withdraw(actor=ow.users["staff"], opinion_id=a.opinion_id, assignment_id=a.pk, comment="改派。")
    data = {
        "version": version(a),
        "text": "已经安排修复道路。",
        "kind": "phone",
        "date": today().isoformat(),
        "note": "电话联系。",
        "deadline": deadlines.add_working_days(a.deadline, 3).isoformat(),
        "reason": "需要更多时间。",
    }
    response = unit_client.post(url(name, a), data)
    assert response.status_code == 409, name
    assert escape(str(Assignment.Status.WITHDRAWN.label)) in response.content.decode()
    assert response.context["steps"] == []


def test_reply_with_attachments(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(
        url("reply", a),
        {
            "version": version(a),
            "text": "已安排施工队于本周五前修复路面。",
            "attachments": [
                SimpleUploadedFile("现场照片.png", png_bytes(), content_type="image/png"),
                SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == Assignment.Status.REPLIED
    reply = a.replies.get()
    assert sorted(reply.attachments.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    assert Opinion.objects.get(pk=a.opinion_id).status == S.REPLIED
    page = unit_client.get(url("assignment", a))
    assert page.context["steps"] == []
    assert "现场照片.png" in page.content.decode()


def test_reply_attachment_is_judged_by_its_content(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(
        url("reply", a),
        {
            "version": version(a),
            "text": "已安排施工队于本周五前修复路面。",
            "attachments": [SimpleUploadedFile("照片.png", b"MZ\x90\x00 not an image", content_type="image/png")],
        },
    )
    assert response.status_code == 400
    form = next(s["form"] for s in response.context["steps"] if s["name"] == "reply")
    assert form.errors["attachments"]
    assert form["text"].value() == "已安排施工队于本周五前修复路面。"
    a.refresh_from_db()
    assert a.status == Assignment.Status.PENDING
    assert not Attachment.objects.exists()


def test_reply_too_short_shows_the_form_error(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(url("reply", a), {"version": version(a), "text": "好"})
    assert response.status_code == 400
    form = next(s["form"] for s in response.context["steps"] if s["name"] == "reply")
    assert form.errors["text"]


def test_send_back_with_reason(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(url("return", a), {"version": version(a), "reason": "属于县交通局职责。"})
    assert response.status_code == 302 and response["Location"] == reverse("opinions_unit:queue")
    a.refresh_from_db()
    assert a.status == Assignment.Status.RETURNED and a.returned_reason == "属于县交通局职责。"
    assert Opinion.objects.get(pk=a.opinion_id).status == S.ACCEPTED  # back with the office
    page = unit_client.get(url("assignment", a))
    assert page.status_code == 200 and page.context["steps"] == []


def test_send_back_needs_a_reason(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(url("return", a), {"version": version(a), "reason": ""})
    assert response.status_code == 400
    a.refresh_from_db()
    assert a.status == Assignment.Status.PENDING


def test_record_a_contact(unit_client, ow, submit):
    a = assign(ow, submit)
    response = unit_client.post(
        url("contact", a),
        {"version": version(a), "kind": "visit", "date": today().isoformat(), "note": "上门查看了路面情况。"},
    )
    assert response.status_code == 302
    contact = UnitContact.objects.get(assignment=a)
    assert (contact.kind, contact.author) == ("visit", ow.users["town_unit"])
    assert "上门查看了路面情况。" in unit_client.get(url("assignment", a)).content.decode()


def test_a_contact_in_the_future_is_refused(unit_client, ow, submit):
    a = assign(ow, submit)
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = unit_client.post(
        url("contact", a), {"version": version(a), "kind": "phone", "date": tomorrow, "note": "电话联系。"}
    )
    assert response.status_code == 400
    assert not UnitContact.objects.exists()


def test_ask_for_more_time(unit_client, ow, submit):
    a = assign(ow, submit)
    latest = services.extension_latest(a)
    response = unit_client.post(
        url("extension", a), {"version": version(a), "deadline": latest.isoformat(), "reason": "需要协调县交通局。"}
    )
    assert response.status_code == 302
    extension = Extension.objects.get(assignment=a)
    assert extension.status == Extension.Status.PENDING and extension.requested_deadline == latest
    page = unit_client.get(url("assignment", a))
    assert "extension" not in [s["name"] for s in page.context["steps"]]
    assert page.context["pending_extension"] == extension


def test_more_time_beyond_the_latest_date_is_refused(unit_client, ow, submit):
    a = assign(ow, submit)
    too_late = services.extension_latest(a) + datetime.timedelta(days=1)
    response = unit_client.post(
        url("extension", a), {"version": version(a), "deadline": too_late.isoformat(), "reason": "需要协调。"}
    )
    assert response.status_code == 400
    form = next(s["form"] for s in response.context["steps"] if s["name"] == "extension")
    assert form.errors["deadline"]
    assert services.extension_latest(a).isoformat() in response.content.decode()
    assert not Extension.objects.exists()


def test_a_second_request_while_one_waits_is_refused(unit_client, ow, submit):
    a = assign(ow, submit)
    ask_more_time(ow, a, 2)
    response = unit_client.post(
        url("extension", a),
        {
            "version": version(a),
            "deadline": deadlines.add_working_days(a.deadline, 3).isoformat(),
            "reason": "再要时间。",
        },
    )
    assert response.status_code == 400
    assert Extension.objects.count() == 1
