"""One opinion's page in the workspace (/work/opinions/<id>/): who sees it, what it shows, the
contact data (masked, revealed with an audit row), attachments through a checked view, and every
office step through its form — right role and state, wrong state, wrong role, outside the scope,
and a form overtaken by someone else's step."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liaison.core import deadlines
from liaison.core.models import AuditLog
from liaison.opinions import forms, services
from liaison.opinions.models import Extension, Opinion
from liaison.stations.tests.conftest import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def advance(ow, opinion: Opinion, state: str) -> Opinion:
    """Take the opinion through the services to `state` (as the township office and its unit)."""
    actor = ow.users["town_officer"]
    o = opinion

    def fresh():
        o.refresh_from_db()
        return o

    if state == "submitted":
        return o
    level = "county" if state == "county_accepted" else "township"
    services.opinion_accept(actor=actor, opinion_id=o.pk, level=level)
    if state in ("accepted", "county_accepted"):
        return fresh()
    services.opinion_assign(actor=actor, opinion_id=o.pk, units=[ow.units["town_gov"]])
    if state == "assigned":
        return fresh()
    assignment = o.assignments.get()
    if state == "with_extension":
        services.extension_request(
            actor=ow.users["town_unit"],
            opinion_id=o.pk,
            assignment_id=assignment.pk,
            deadline=deadlines.add_working_days(assignment.deadline, 3),
            reason="需要协调多个部门",
        )
        return fresh()
    services.assignment_reply(
        actor=ow.users["town_unit"],
        opinion_id=o.pk,
        assignment_id=assignment.pk,
        text="已安排施工队修复，预计下月完工。",
    )
    if state == "replied":
        return fresh()
    services.opinion_feed_back(actor=actor, opinion_id=o.pk, answer="经协调，道路将于下月修复，感谢您的反映。")
    if state == "fed_back":
        return fresh()
    services.opinion_return_visit(actor=actor, opinion_id=o.pk, satisfaction="satisfied", method="phone")
    if state == "closed":
        return fresh()
    assert state == "published", state
    services.opinion_publish(actor=actor, opinion_id=o.pk, **services.publication_preview(fresh()))
    return fresh()


def staff_registered(ow, submit, **kwargs) -> Opinion:
    """An opinion heard at the station and registered by its staff, with the citizen's phone."""
    args = {"actor": ow.users["staff"], "channel": "visit", "phone": PHONE, "name": "李群众"}
    args.update(kwargs)
    return submit(**args)


def step_ids(response) -> set[str]:
    return set(re.findall(r'id="step-([a-z_]+)"', response.content.decode()))


# --- access -------------------------------------------------------------------------------------------


def test_page_access_matrix(client, ow, submit):
    o = submit()
    url = f"/work/opinions/{o.pk}/"
    assert client.get(url).status_code == 302  # anonymous → log in
    expectations = {
        "town_officer": 200,
        "officer": 200,  # the county covers the township
        "pref_officer": 200,
        "leader": 200,  # reads, takes no step
        "staff": 200,  # the station where it was collected
        "other_officer": 404,
        "other_staff": 404,
        "unit": 404,  # a unit with no assignment of it
        "nobody": 403,
        "auditor": 403,
    }
    for key, status in expectations.items():
        client.force_login(ow.users[key])
        assert client.get(url).status_code == status, key
    client.force_login(ow.users["town_officer"])
    assert client.get("/work/opinions/999999/").status_code == 404


def test_unit_sees_an_assigned_opinion_but_takes_no_office_step(client, ow, submit):
    o = advance(ow, submit(), "assigned")
    client.force_login(ow.users["town_unit"])
    response = client.get(f"/work/opinions/{o.pk}/")
    assert response.status_code == 200
    assert step_ids(response) == set()
    assert "/work/units/" in response.content.decode()
    client.force_login(ow.users["water_unit"])  # not assigned
    assert client.get(f"/work/opinions/{o.pk}/").status_code == 404


# --- what the page shows ----------------------------------------------------------------------------


def test_page_shows_fields_assignments_and_timeline(client, ow, submit):
    o = advance(ow, staff_registered(ow, submit, location="村口"), "with_extension")
    client.force_login(ow.users["town_officer"])
    response = client.get(f"/work/opinions/{o.pk}/")
    text = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    for expected in (o.tracking_code, o.title, "村口", ow.station.name, "东风镇人民政府", "需要协调多个部门"):
        assert expected in text
    # the timeline: who, from → to
    assert text.count("<tr>") >= 4
    assert "镇人大办" in text and "→" in text
    # contact masked
    assert PHONE not in text and "138****5678" in text and "李群众" not in text


def test_actions_shown_follow_the_workflow(client, ow, submit):
    client.force_login(ow.users["town_officer"])
    expected = {
        "submitted": {"accept", "answer_on_spot", "redirect", "merge"},
        "accepted": {"answer_on_spot", "assign", "escalate", "redirect", "merge"},
        "assigned": {"assign", "withdraw_assignment"},
        "with_extension": {"assign", "withdraw_assignment", "decide_extension"},
        "replied": {"feed_back"},
        "fed_back": {"return_visit", "close", "publish"},
        "closed": {"publish"},
        "published": {"publish", "unpublish"},
    }
    for state, actions in expected.items():
        o = advance(ow, submit(), state)
        response = client.get(f"/work/opinions/{o.pk}/")
        assert step_ids(response) == actions, state
    client.force_login(ow.users["leader"])
    assert step_ids(client.get(f"/work/opinions/{o.pk}/")) == set()


def test_assign_form_offers_units_of_the_level_and_the_default_deadline(client, ow, submit):
    o = advance(ow, submit(), "accepted")
    client.force_login(ow.users["town_officer"])
    text = client.get(f"/work/opinions/{o.pk}/").content.decode()
    assert "东风镇人民政府" in text and "东风镇水利站" in text
    assert "甲一县教育局" not in text  # county level: not for a township matter
    assert forms.default_deadline().isoformat() in text


def test_feed_back_form_starts_from_the_replies(client, ow, submit):
    o = advance(ow, submit(), "replied")
    client.force_login(ow.users["town_officer"])
    text = client.get(f"/work/opinions/{o.pk}/").content.decode()
    assert "东风镇人民政府：已安排施工队修复" in text


def test_publish_form_shows_the_original_beside_the_redacted_proposal(client, ow, submit):
    o = advance(ow, staff_registered(ow, submit, text="我叫李群众，电话13812345678，村口道路坑洼请修缮。"), "closed")
    client.force_login(ow.users["town_officer"])
    text = client.get(f"/work/opinions/{o.pk}/").content.decode()
    assert "我叫李群众，电话13812345678" in text  # the original, for the editor
    assert "我叫李**，电话138****5678" in text  # the proposal, editable


# --- contact data ---------------------------------------------------------------------------------------


def test_contact_reveal_is_audited(client, ow, submit):
    o = staff_registered(ow, submit)
    client.force_login(ow.users["town_officer"])
    page = client.get(f"/work/opinions/{o.pk}/").content.decode()
    assert f"/work/opinions/{o.pk}/contact/" in page
    before = AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(o.pk)).count()
    response = client.post(f"/work/opinions/{o.pk}/contact/")
    assert response.status_code == 200
    text = response.content.decode()
    assert PHONE in text and "李群众" in text
    assert response["Cache-Control"] == "private, no-store"
    row = AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(o.pk)).latest("at")
    assert row.actor == ow.users["town_officer"]
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(o.pk)).count() == before + 1
    # the next ordinary view is masked again
    assert PHONE not in client.get(f"/work/opinions/{o.pk}/").content.decode()


def test_contact_reveal_refused_to_readers_and_outsiders(client, ow, submit):
    o = staff_registered(ow, submit)
    client.force_login(ow.users["leader"])
    assert f"/work/opinions/{o.pk}/contact/" not in client.get(f"/work/opinions/{o.pk}/").content.decode()
    response = client.post(f"/work/opinions/{o.pk}/contact/")
    assert response.status_code == 403 and PHONE not in response.content.decode()
    client.force_login(ow.users["other_officer"])
    assert client.post(f"/work/opinions/{o.pk}/contact/").status_code == 404
    client.force_login(ow.users["nobody"])
    assert client.post(f"/work/opinions/{o.pk}/contact/").status_code == 403
    client.logout()
    assert client.post(f"/work/opinions/{o.pk}/contact/").status_code == 302
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW, object_id=str(o.pk)).exists()


def test_assigned_unit_may_reveal_the_contact(client, ow, submit):
    o = advance(ow, staff_registered(ow, submit), "assigned")
    client.force_login(ow.users["town_unit"])
    response = client.post(f"/work/opinions/{o.pk}/contact/")
    assert response.status_code == 200 and PHONE in response.content.decode()


# --- attachments ----------------------------------------------------------------------------------------


def test_attachments_are_served_only_through_the_checked_view(client, ow, submit):
    o = submit(attachments=[SimpleUploadedFile("现场.png", png_bytes()), SimpleUploadedFile("材料.pdf", pdf_bytes())])
    image, pdf = o.attachments.order_by("id")
    client.force_login(ow.users["town_officer"])
    page = client.get(f"/work/opinions/{o.pk}/").content.decode()
    assert f"/work/opinions/attachments/{image.pk}/" in page and "现场.png" in page
    assert "/media/" not in page
    response = client.get(f"/work/opinions/attachments/{image.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    response = client.get(f"/work/opinions/attachments/{pdf.pk}/")
    assert response["Content-Disposition"].startswith("attachment") and response["Content-Type"] == "application/pdf"
    for key, status in (("other_officer", 404), ("unit", 404), ("nobody", 403)):
        client.force_login(ow.users[key])
        assert client.get(f"/work/opinions/attachments/{image.pk}/").status_code == status, key
    client.logout()
    assert client.get(f"/work/opinions/attachments/{image.pk}/").status_code == 302


# --- every office step through its form -----------------------------------------------------------------

# action: (state it starts from, a state it cannot start from)
STATES = {
    "accept": ("submitted", "assigned"),
    "answer_on_spot": ("submitted", "assigned"),
    "assign": ("accepted", "submitted"),
    "escalate": ("county_accepted", "submitted"),
    "redirect": ("submitted", "assigned"),
    "merge": ("submitted", "assigned"),
    "withdraw_assignment": ("assigned", "submitted"),
    "decide_extension": ("with_extension", "submitted"),
    "feed_back": ("replied", "submitted"),
    "return_visit": ("fed_back", "submitted"),
    "close": ("fed_back", "submitted"),
    "publish": ("closed", "submitted"),
    "unpublish": ("published", "submitted"),
}


def form_data(action: str, ow, o: Opinion, earlier: Opinion) -> dict:
    assignment = o.assignments.first()
    extension = Extension.objects.filter(assignment__opinion=o).first()
    data = {
        "accept": {"level": "township", "comment": "属镇级事项，予以受理"},
        "answer_on_spot": {"answer": "已当场解释相关政策，群众表示理解。"},
        "assign": {
            "units": [ow.units["town_gov"].pk, ow.units["town_water"].pk],
            "deadline": forms.default_deadline().isoformat(),
            "instructions": "请会同水利站尽快办理",
        },
        "escalate": {"comment": "属县级事项，报县人大常委会代表工作机构"},
        "redirect": {"target": "court", "comment": "属诉讼事项，请依法向人民法院起诉。"},
        "merge": {"into": earlier.tracking_code.lower(), "comment": "同一事项合并办理"},
        "withdraw_assignment": {"assignment": assignment.pk if assignment else 1, "comment": "交办单位有误，撤回"},
        "decide_extension": {
            "extension": extension.pk if extension else 1,
            "decision": "refuse",
            "note": "期限内应能办结",
        },
        "feed_back": {"answer": "经协调，道路将于下月修复，感谢您的反映。"},
        "return_visit": {"method": "phone", "satisfaction": "basically", "comment": "群众基本满意"},
        "close": {"comment": "已答复群众，办结归档"},
        "publish": {
            "title": "关于村口道路的意见",
            "text": "村口道路坑洼，联系电话13812345678。",
            "answer": "道路将于下月修复。",
        },
        "unpublish": {"comment": "公示内容需要修改"},
    }[action]
    return {"version": o.version, **data}


def check_done(action: str, o: Opinion) -> None:
    o.refresh_from_db()
    if action == "accept":
        assert o.status == "accepted" and o.level == "township"
    elif action == "answer_on_spot":
        assert o.status == "answered_on_spot" and "当场" in o.answer
    elif action == "assign":
        assert o.status == "assigned" and o.assignments.count() == 2
        assert o.due_date == forms.default_deadline()
    elif action == "escalate":
        assert o.status == "escalated" and o.queue_region.name == "甲一县"
    elif action == "redirect":
        assert o.status == "redirected" and o.redirect_target == "court"
    elif action == "merge":
        assert o.status == "merged" and o.merged_into is not None
    elif action == "withdraw_assignment":
        assert o.status == "accepted" and o.assignments.get().status == "withdrawn"
    elif action == "decide_extension":
        assert Extension.objects.get(assignment__opinion=o).status == "refused"
    elif action == "feed_back":
        assert o.status == "fed_back"
    elif action in ("return_visit", "close"):
        assert o.status == "closed"
    elif action == "publish":
        assert o.is_published and "138****5678" in o.published_text
    elif action == "unpublish":
        assert not o.is_published


def url_of(action: str, o: Opinion) -> str:
    return f"/work/opinions/{o.pk}/{action.replace('_', '-')}/"


@pytest.fixture
def earlier(submit):
    return submit(text="较早的同类意见：村口道路雨天积水，出行不便。")


@pytest.mark.parametrize("action", list(STATES))
def test_step_works_for_the_handler(client, ow, submit, earlier, action):
    o = advance(ow, submit(), STATES[action][0])
    client.force_login(ow.users["town_officer"])
    response = client.post(url_of(action, o), form_data(action, ow, o, earlier))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/work/opinions/{o.pk}/"
    check_done(action, o)
    assert AuditLog.objects.filter(
        model="opinions.Opinion", object_id=str(o.pk), reason__startswith=action, actor=ow.users["town_officer"]
    ).exists()


@pytest.mark.parametrize("action", list(STATES))
def test_step_in_the_wrong_state_says_so(client, ow, submit, earlier, action):
    o = advance(ow, submit(), STATES[action][1])
    before = (o.status, o.version)
    client.force_login(ow.users["town_officer"])
    response = client.post(url_of(action, o), form_data(action, ow, o, earlier))
    assert response.status_code == 409
    text = response.content.decode()
    assert "当前所处的状态下不能进行这一步" in text
    o.refresh_from_db()
    assert (o.status, o.version) == before


@pytest.mark.parametrize("action", list(STATES))
def test_step_refused_to_the_wrong_role(client, ow, submit, earlier, action):
    o = advance(ow, submit(), STATES[action][0])
    before = (o.status, o.version)
    client.force_login(ow.users["leader"])  # sees the opinion, handles nothing
    response = client.post(url_of(action, o), form_data(action, ow, o, earlier))
    assert response.status_code == 403
    assert "这一步应由他人办理" in response.content.decode()
    o.refresh_from_db()
    assert (o.status, o.version) == before


@pytest.mark.parametrize("action", list(STATES))
def test_step_outside_the_scope_is_404(client, ow, submit, earlier, action):
    o = advance(ow, submit(), STATES[action][0])
    client.force_login(ow.users["other_officer"])
    assert client.post(url_of(action, o), form_data(action, ow, o, earlier)).status_code == 404
    client.force_login(ow.users["nobody"])
    assert client.post(url_of(action, o), form_data(action, ow, o, earlier)).status_code == 403
    client.logout()
    assert client.post(url_of(action, o), form_data(action, ow, o, earlier)).status_code == 302
    o_before = o.version
    o.refresh_from_db()
    assert o.version == o_before


@pytest.mark.parametrize("action", list(STATES))
def test_step_on_a_stale_page_keeps_what_was_typed(client, ow, submit, earlier, action):
    o = advance(ow, submit(), STATES[action][0])
    data = form_data(action, ow, o, earlier)
    Opinion.objects.filter(pk=o.pk).update(version=o.version + 1)  # someone else acted meanwhile
    client.force_login(ow.users["town_officer"])
    response = client.post(url_of(action, o), data)
    assert response.status_code == 409
    text = response.content.decode()
    assert "已有他人处理了这条意见" in text and "您填写的内容保留在下方" in text
    typed = next(v for k, v in data.items() if isinstance(v, str) and re.search(r"[\u4e00-\u9fff]", v))
    assert typed in text
    # the form now carries the version on screen, so sending it again goes through
    assert f'value="{o.version + 1}"' in text
    o.refresh_from_db()
    assert o.version == data["version"] + 1  # nothing changed


def test_concurrent_step_by_another_officer_is_reported(client, ow, submit):
    """Two officers open the same opinion; the second to act is told plainly and keeps the comment."""
    o = submit()
    client.force_login(ow.users["officer"])
    seen = client.get(f"/work/opinions/{o.pk}/")
    assert 'name="version" value="1"' in seen.content.decode()
    services.opinion_redirect(
        actor=ow.users["town_officer"], opinion_id=o.pk, target="petition", comment="属信访事项", version=1
    )
    response = client.post(url_of("accept", o), {"version": 1, "level": "township", "comment": "我来受理这件事"})
    assert response.status_code == 409
    text = response.content.decode()
    assert "我来受理这件事" in text  # no accept form now: the text is shown to copy
    o.refresh_from_db()
    assert o.status == "redirected"


def test_invalid_input_shows_errors_on_the_form(client, ow, submit):
    o = advance(ow, submit(), "accepted")
    client.force_login(ow.users["town_officer"])
    response = client.post(url_of("escalate", o), {"version": o.version, "comment": ""})
    assert response.status_code == 400
    assert 'id="step-escalate" open' in response.content.decode()
    # a service rule: escalating a township matter is not possible
    response = client.post(url_of("escalate", o), {"version": o.version, "comment": "试图上报镇级事项"})
    assert response.status_code == 400
    assert "试图上报镇级事项" in response.content.decode()
    o.refresh_from_db()
    assert o.status == "accepted"


def test_assign_rejects_a_unit_of_another_level(client, ow, submit):
    o = advance(ow, submit(), "accepted")
    client.force_login(ow.users["town_officer"])
    response = client.post(
        url_of("assign", o),
        {"version": o.version, "units": [ow.units["county_edu"].pk], "deadline": forms.default_deadline().isoformat()},
    )
    assert response.status_code == 400
    o.refresh_from_db()
    assert o.status == "accepted"


def test_unit_staff_cannot_take_office_steps(client, ow, submit):
    o = advance(ow, submit(), "assigned")
    client.force_login(ow.users["town_unit"])
    for action in ("assign", "withdraw_assignment"):
        assert client.post(url_of(action, o), form_data(action, ow, o, o)).status_code == 403
    o.refresh_from_db()
    assert o.status == "assigned"


def test_receiving_deputy_may_answer_on_the_spot_only(client, ow, submit):
    o = submit(actor=ow.users["deputy"], channel="visit", received_by=ow.deputy, station=ow.station)
    client.force_login(ow.users["deputy"])
    page = client.get(f"/work/opinions/{o.pk}/")
    assert step_ids(page) == {"answer_on_spot"}
    assert client.post(url_of("accept", o), {"version": o.version, "level": "township"}).status_code == 403
    response = client.post(url_of("answer_on_spot", o), {"version": o.version, "answer": "已当场答复群众。"})
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.status == "answered_on_spot"


def test_unknown_step_is_404(client, ow, submit):
    o = submit()
    client.force_login(ow.users["town_officer"])
    assert client.post(f"/work/opinions/{o.pk}/convert/", {"version": 1}).status_code == 404
    assert client.get(url_of("accept", o)).status_code == 405


def test_page_query_count_does_not_grow_with_the_history(client, ow, submit, django_assert_max_num_queries):
    o = advance(ow, submit(), "assigned")
    client.force_login(ow.users["town_officer"])
    client.get(f"/work/opinions/{o.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(f"/work/opinions/{o.pk}/")
    services.opinion_assign(actor=ow.users["town_officer"], opinion_id=o.pk, units=[ow.units["town_water"]])
    for a in o.assignments.all():
        services.assignment_reply(
            actor=ow.users["town_unit" if a.unit == ow.units["town_gov"] else "water_unit"],
            opinion_id=o.pk,
            assignment_id=a.pk,
            text="已办理完毕，情况如下。",
        )
    with django_assert_max_num_queries(len(first.captured_queries) + 1):  # + the replies' text for feed-back
        assert client.get(f"/work/opinions/{o.pk}/").status_code == 200


def test_overdue_assignment_shows_working_days(client, ow, submit, monkeypatch):
    o = advance(ow, submit(), "assigned")
    a = o.assignments.get()
    late = a.deadline
    import liaison.opinions.views as views

    monkeypatch.setattr(views.timezone, "localdate", lambda: late + datetime.timedelta(days=7))
    client.force_login(ow.users["town_officer"])
    text = client.get(f"/work/opinions/{o.pk}/").content.decode()
    n = deadlines.working_days_between(late, late + datetime.timedelta(days=7))
    assert f"已超期 {n} 个工作日" in text


def test_service_reports_a_stale_version_before_the_changed_state(ow, submit):
    """The service's own order: a form overtaken by another step is told "someone else acted", not
    merely "not possible now" (the state changed because of that other step)."""
    from liaison.opinions import exceptions as errors

    o = submit()
    services.opinion_redirect(actor=ow.users["officer"], opinion_id=o.pk, target="petition", comment="信访事项")
    with pytest.raises(errors.OpinionChanged):
        services.opinion_accept(actor=ow.users["town_officer"], opinion_id=o.pk, level="township", version=1)
    with pytest.raises(errors.TransitionNotAllowed):
        services.opinion_accept(actor=ow.users["town_officer"], opinion_id=o.pk, level="township")
