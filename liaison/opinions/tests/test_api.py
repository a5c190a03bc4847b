"""The opinions JSON API (`/api/opinions/…`): public submission (validation, SMS code, idempotency,
rate limits), tracking and rating without personal data, published results, the staff queue and
detail in scope, every step of the workflow with its 403/404/409 answers, and the handling unit's
endpoints."""

import json
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liaison.api.models import ApiToken
from liaison.core.models import AuditLog
from liaison.notifications.models import PhoneCode
from liaison.opinions import services
from liaison.opinions.models import Assignment, Extension, Opinion
from liaison.opinions.tests.conftest import today
from liaison.opinions.tests.test_services import accepted, assigned, fed_back, png_bytes

S = Opinion.Status
pytestmark = pytest.mark.django_db
TEXT = "村口道路坑洼多年未修，雨天积水严重，希望尽快修缮。"
PERSONAL = ("李群众", "13812345678", "li@example.com", "幸福路8号")


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data=None, **headers):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **headers)


@pytest.fixture
def sms(monkeypatch):
    """SMS codes are "246810" (the code itself is random otherwise and only goes out by SMS)."""
    from liaison.notifications import verification

    monkeypatch.setattr(verification, "_new_code", lambda: "246810")
    return "246810"


def send(client, ow, **data) -> dict:
    body = {"text": TEXT, "region_id": ow.regions["village"].pk, **data}
    response = post(client, "/api/opinions/", body)
    assert response.status_code in (200, 201), response.content
    return response.json()


# --- public: submit ---------------------------------------------------------------------------------


def test_submit_anonymously_gives_a_code_and_a_receipt(client, ow):
    response = post(client, "/api/opinions/", {"text": TEXT, "station_id": ow.station.pk, "location": "村口"})
    assert response.status_code == 201
    body = response.json()
    assert len(body["tracking_code"]) == 12 and body["status"] == "submitted" and body["replayed"] is False
    assert body["secret"] and body["track_url"].endswith(f"/track/{body['tracking_code']}/")
    opinion = Opinion.objects.get(tracking_code=body["tracking_code"])
    assert opinion.channel == Opinion.Channel.API
    assert opinion.station == ow.station and opinion.region == ow.station.region
    assert services.submitter_proven(opinion, secret=body["secret"])
    assert AuditLog.objects.filter(model="opinions.Opinion", object_id=str(opinion.pk), action="create").exists()


def test_submit_validates_as_the_web_form_does(client, ow):
    cases = [
        ({"text": "短"}, "text"),
        ({"text": TEXT, "region_id": 999999}, "region_id"),
        ({"text": TEXT, "station_id": 999999}, "station_id"),
        ({"text": TEXT, "category_id": 999999}, "category_id"),
        ({"text": TEXT, "email": "not-an-address"}, "email"),
        ({"text": TEXT, "notify_by": "email"}, "email"),
        ({"text": TEXT, "latitude": 123.0, "longitude": 1.0}, "latitude"),
    ]
    for data, field in cases:
        data.setdefault("region_id", ow.regions["village"].pk)
        response = post(client, "/api/opinions/", data)
        assert response.status_code == 400, (data, response.content)
        assert response.json()["field"] == field
    assert post(client, "/api/opinions/", {"region_id": ow.regions["village"].pk}).status_code == 422
    bad = client.post("/api/opinions/", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert not Opinion.objects.exists()


def test_submit_with_a_phone_needs_the_sms_code(client, ow, sms):
    data = {"text": TEXT, "region_id": ow.regions["village"].pk, "phone": "13812345678", "name": "李群众"}
    response = post(client, "/api/opinions/", data)
    assert response.status_code == 400 and response.json()["code"] == "phone_not_verified"
    sent = post(client, "/api/opinions/sms-code", {"phone": "13812345678"})
    assert sent.status_code == 202 and sent.json()["sent"] is True
    wrong = post(client, "/api/opinions/", {**data, "sms_code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "sms_code"
    # the wrong code counted against the code although the submission was rolled back
    assert PhoneCode.objects.get().failed_tries == 1
    response = post(client, "/api/opinions/", {**data, "sms_code": sms, "notify_by": "sms"})
    assert response.status_code == 201 and response.json()["phone_verified"] is True
    opinion = Opinion.objects.get()
    assert opinion.phone_verified and opinion.notify_by == "sms" and opinion.submitter_phone == "13812345678"


def test_sms_code_is_rate_limited_with_a_message_in_the_callers_language(client, ow, sms):
    assert post(client, "/api/opinions/sms-code", {"phone": "13812345678"}).status_code == 202
    again = post(client, "/api/opinions/sms-code", {"phone": "13812345678"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429
    body = again.json()
    assert body["code"] == "too_many_codes" and "Try again" in body["message"]
    assert int(again["Retry-After"]) == body["extra"]["retry_after"] > 0
    chinese = post(client, "/api/opinions/sms-code", {"phone": "13812345678"})
    assert chinese.status_code == 429 and "Try again" not in chinese.json()["message"]
    bad = post(client, "/api/opinions/sms-code", {"phone": "12345"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_phone"
    assert post(client, "/api/opinions/sms-code", {"phone": "13812345678", "purpose": "x"}).status_code == 400


def test_idempotency_key_makes_one_opinion_and_gives_the_same_receipt(client, ow):
    key = "3f2b8c1e-5a7d-4e0f-9b6a-1c2d3e4f5a6b"
    data = {"text": TEXT, "region_id": ow.regions["village"].pk}
    first = post(client, "/api/opinions/", data, HTTP_IDEMPOTENCY_KEY=key)
    second = post(client, "/api/opinions/", data, HTTP_IDEMPOTENCY_KEY=key)
    by_field = post(client, "/api/opinions/", {**data, "idempotency_key": key})
    assert first.status_code == 201 and second.status_code == 200 and by_field.status_code == 200
    assert second.json()["replayed"] is True
    assert first.json()["tracking_code"] == second.json()["tracking_code"] == by_field.json()["tracking_code"]
    assert first.json()["secret"] == second.json()["secret"]  # the retry gets the receipt it lost
    assert Opinion.objects.count() == 1
    reused = post(
        client, "/api/opinions/", {**data, "text": "另一件事：路灯坏了很久没人修。"}, HTTP_IDEMPOTENCY_KEY=key
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    short = post(client, "/api/opinions/", data, HTTP_IDEMPOTENCY_KEY="abc")
    assert short.status_code == 400 and short.json()["field"] == "idempotency_key"
    differ = post(client, "/api/opinions/", {**data, "idempotency_key": key + "x"}, HTTP_IDEMPOTENCY_KEY=key)
    assert differ.status_code == 400
    assert Opinion.objects.count() == 1


def test_submissions_without_a_confirmed_phone_are_limited_per_address(client, ow, settings):
    settings.OPINION_SUBMIT_PER_IP_HOUR = 2
    send(client, ow)
    send(client, ow, idempotency_key="k" * 20)
    send(client, ow, idempotency_key="k" * 20)  # a retry is not a new opinion and is not counted
    response = post(client, "/api/opinions/", {"text": TEXT, "region_id": ow.regions["village"].pk})
    assert response.status_code == 429 and response.json()["code"] == "too_many_submissions"
    assert response["Retry-After"]
    assert Opinion.objects.count() == 2


def test_submit_as_multipart_with_an_attachment(client, ow):
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    data = {"text": TEXT, "region_id": str(ow.regions["village"].pk), "attachments": [upload]}
    response = client.post("/api/opinions/", data)
    assert response.status_code == 201, response.content
    opinion = Opinion.objects.get(tracking_code=response.json()["tracking_code"])
    assert [a.content_type for a in opinion.attachments.all()] == ["image/png"]
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    data["attachments"] = [fake]
    response = client.post("/api/opinions/", data)
    assert response.status_code == 400 and response.json()["code"] == "attachment_rejected"


def test_categories_of_a_place(client, ow):
    defaults = client.get("/api/opinions/categories").json()
    assert "environment" in {c["code"] for c in defaults} and all(c["region_id"] is None for c in defaults)
    services.category_create(actor=ow.users["officer"], region=ow.regions["county"], name="乡村振兴", code="rural")
    here = client.get("/api/opinions/categories", {"region": ow.regions["village"].pk}).json()
    assert "rural" in {c["code"] for c in here}
    elsewhere = client.get("/api/opinions/categories", {"region": ow.regions["other_town"].pk}).json()
    assert "rural" not in {c["code"] for c in elsewhere}
    assert client.get("/api/opinions/categories", {"region": 999999}).status_code == 404


# --- public: track, rate, published -----------------------------------------------------------------


def test_tracking_shows_status_steps_and_answer_but_no_personal_data(client, ow, submit):
    opinion = fed_back(ow, partial(submit, name="李群众", email="li@example.com", address="幸福路8号"))
    response = client.get(f"/api/opinions/track/{opinion.tracking_code.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "fed_back" and body["answered"] and body["can_rate"]
    assert body["answer"] == opinion.answer
    assert [s["action"] for s in body["steps"]][:2] == ["submit", "accept"]
    assert any("东风镇人民政府" in s["text"] for s in body["steps"])
    text = response.content.decode()
    for value in (*PERSONAL, "联络站工作人员", "镇政府办理员"):  # nor staff names
        assert value not in text


def test_unknown_tracking_codes_are_limited_per_address(client, ow, settings):
    settings.OPINION_TRACK_MISSES_PER_IP_HOUR = 2
    assert client.get("/api/opinions/track/AAAAAAAAAAAA").status_code == 404
    assert client.get("/api/opinions/track/BBBBBBBBBBBB").status_code == 404
    response = client.get("/api/opinions/track/CCCCCCCCCCCC")
    assert response.status_code == 429 and response.json()["code"] == "too_many_lookups"


def test_rating_needs_the_receipt_or_the_phone(client, ow, submit, sms):
    body = send(client, ow)
    opinion = Opinion.objects.get(tracking_code=body["tracking_code"])
    url = f"/api/opinions/track/{opinion.tracking_code}/rating"
    early = post(client, url, {"satisfaction": "satisfied", "secret": body["secret"]})
    assert early.status_code == 409 and early.json()["code"] == "transition_not_allowed"
    services.opinion_answer_on_spot(actor=ow.users["town_officer"], opinion_id=opinion.pk, answer="已答复：本周修复。")
    nobody = post(client, url, {"satisfaction": "satisfied", "secret": "guess"})
    assert nobody.status_code == 403 and nobody.json()["code"] == "submitter_not_proven"
    rated = post(client, url, {"satisfaction": "basically", "comment": "还行", "secret": body["secret"]})
    # the citizen's rating is recorded; the office's return visit closes the opinion
    assert rated.status_code == 200 and rated.json()["status"] == "answered_on_spot"
    assert rated.json()["satisfaction"] == "basically"

    other = submit(phone="13900001111", actor=ow.users["staff"], channel="visit")
    services.opinion_answer_on_spot(actor=ow.users["staff"], opinion_id=other.pk, answer="现场答复：已登记。")
    code_url = "/api/opinions/sms-code"
    sent = post(client, code_url, {"phone": "13900001111", "purpose": "rating", "tracking_code": other.tracking_code})
    assert sent.status_code == 202
    url = f"/api/opinions/track/{other.tracking_code}/rating"
    rated = post(client, url, {"satisfaction": "dissatisfied", "phone": "13900001111", "sms_code": sms})
    assert rated.status_code == 200 and rated.json()["satisfaction"] == "dissatisfied"
    again = post(client, url, {"satisfaction": "satisfied", "phone": "13900001111", "sms_code": sms})
    assert again.status_code in (403, 409)  # the code is spent, and the answer was rated already


def test_published_results_carry_only_the_redacted_text(client, ow, submit):
    opinion = fed_back(ow, partial(submit, name="李群众", text=f"我是李群众，电话13812345678。{TEXT}"))
    officer = ow.users["town_officer"]
    assert client.get("/api/opinions/published").json()["count"] == 0
    response = post(client, f"/api/opinions/{opinion.pk}/publish", {}, **bearer(officer))
    assert response.status_code == 200, response.content
    page = client.get("/api/opinions/published").json()
    assert page["count"] == 1 and page["items"][0]["id"] == opinion.pk
    detail = client.get(f"/api/opinions/published/{opinion.pk}")
    assert detail.status_code == 200 and "138****5678" in detail.json()["text"]
    for value in ("李群众", "13812345678", opinion.tracking_code):
        assert value not in detail.content.decode()
    assert client.get("/api/opinions/published", {"region": ow.regions["other_town"].pk}).json()["count"] == 0
    assert client.get("/api/opinions/published/999999").status_code == 404


# --- staff: reads -----------------------------------------------------------------------------------


def test_staff_endpoints_need_a_token(client, ow, submit):
    opinion = submit()
    assert client.get("/api/opinions/queue").status_code == 401
    assert client.get(f"/api/opinions/{opinion.pk}").status_code == 401
    response = post(client, f"/api/opinions/{opinion.pk}/accept", {"level": "township"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert client.get("/api/opinions/unit/assignments").status_code == 401


def test_queue_in_scope_with_filters_and_pages(client, ow, submit, django_assert_max_num_queries):
    for _ in range(3):
        submit()
    submit(region=ow.regions["other_town"], station=ow.other_station)
    headers = bearer(ow.users["town_officer"])
    with django_assert_max_num_queries(8):
        page = client.get("/api/opinions/queue", {"page_size": 2}, **headers).json()
    assert page["count"] == 3 and len(page["items"]) == 2 and page["has_next"]
    assert page["items"][0]["region"]["name"] == "红星村" and page["items"][0]["version"] == 1
    assert client.get("/api/opinions/queue", {"page": 2, "page_size": 2}, **headers).json()["has_next"] is False
    assert client.get("/api/opinions/queue", {"status": "accepted"}, **headers).json()["count"] == 0
    other = client.get("/api/opinions/queue", {"queue": "all"}, **bearer(ow.users["other_officer"])).json()
    assert other["count"] == 1 and other["items"][0]["region"]["name"] == "南山镇"  # only their own county
    assert client.get("/api/opinions/queue", {"region": 999999}, **headers).status_code == 404
    assert client.get("/api/opinions/queue", **bearer(ow.users["town_unit"])).status_code == 403


def test_detail_masks_the_contact_and_scope_answers_404(client, ow, submit):
    opinion = submit(name="李群众", email="li@example.com", address="幸福路8号")
    response = client.get(f"/api/opinions/{opinion.pk}", **bearer(ow.users["town_officer"]))
    assert response.status_code == 200
    body = response.json()
    assert body["contact"]["name"] == "李**" and body["contact"]["email"] == "l***@example.com"
    assert "accept" in body["actions"] and body["timeline"][0]["action"] == "submit"
    for value in PERSONAL:
        assert value not in response.content.decode()
    assert client.get(f"/api/opinions/{opinion.pk}", **bearer(ow.users["other_officer"])).status_code == 404
    assert client.get("/api/opinions/999999", **bearer(ow.users["town_officer"])).status_code == 404
    assert client.get(f"/api/opinions/{opinion.pk}", **bearer(ow.users["town_unit"])).status_code == 403
    assert client.get(f"/api/opinions/{opinion.pk}", **bearer(ow.users["sysadmin"])).status_code == 403


def test_contact_reveal_is_audited_and_scoped(client, ow, submit):
    opinion = submit(name="李群众", email="li@example.com")
    response = post(client, f"/api/opinions/{opinion.pk}/contact", **bearer(ow.users["town_officer"]))
    assert response.status_code == 200 and response.json()["email"] == "li@example.com"
    assert AuditLog.objects.filter(
        action="view", model="opinions.Opinion", object_id=str(opinion.pk), actor=ow.users["town_officer"]
    ).exists()
    assert post(client, f"/api/opinions/{opinion.pk}/contact", **bearer(ow.users["other_officer"])).status_code == 404
    refused = post(client, f"/api/opinions/{opinion.pk}/contact", **bearer(ow.users["leader"]))
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_step"


# --- staff: the steps -------------------------------------------------------------------------------


def test_the_whole_journey_through_the_api(client, ow, submit):
    receipt = send(client, ow, name="李群众")
    opinion = Opinion.objects.get(tracking_code=receipt["tracking_code"])
    office, unit = bearer(ow.users["town_officer"]), bearer(ow.users["town_unit"])
    base = f"/api/opinions/{opinion.pk}"

    body = post(client, f"{base}/accept", {"level": "township", "version": 1}, **office).json()
    assert body["status"] == "accepted" and body["version"] == 2 and "assign" in body["actions"]
    units = client.get(f"{base}/units", **office).json()
    assert ow.units["town_gov"].pk in {u["id"] for u in units}
    body = post(client, f"{base}/assign", {"unit_ids": [ow.units["town_gov"].pk], "version": 2}, **office).json()
    assert body["status"] == "assigned" and body["assignments"][0]["unit"]["name"] == "东风镇人民政府"
    assignment = body["assignments"][0]["id"]

    queue = client.get("/api/opinions/unit/assignments", **unit).json()
    assert [i["id"] for i in queue["items"]] == [assignment] and queue["items"][0]["opinion"]["version"] == 3
    a = f"/api/opinions/assignments/{assignment}"
    assert post(client, f"{a}/accept", {"version": 3}, **unit).json()["status"] == "accepted"
    body = post(client, f"{a}/contacts", {"kind": "phone", "date": today().isoformat(), "note": "电话联系群众"}, **unit)
    assert body.status_code == 200 and body.json()["contacts"][0]["kind"] == "phone"
    deadline = Assignment.objects.get(pk=assignment).deadline
    later = services.extension_latest(Assignment.objects.get(pk=assignment))
    body = post(client, f"{a}/extension", {"deadline": later.isoformat(), "reason": "需协调施工队"}, **unit).json()
    extension = body["extensions"][0]["id"]
    body = post(client, f"{base}/extensions/{extension}/decide", {"approve": True}, **office).json()
    assert body["assignments"][0]["deadline"] == later.isoformat() != deadline.isoformat()
    assert Extension.objects.get(pk=extension).status == "approved"

    upload = SimpleUploadedFile("reply.png", png_bytes(), content_type="image/png")
    response = client.post(f"{a}/reply", {"text": "已安排施工队本周内修复路面。", "attachments": [upload]}, **unit)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "replied" and response.json()["replies"][0]["attachment_ids"]
    file_id = response.json()["replies"][0]["attachment_ids"][0]
    download = client.get(f"/api/opinions/attachments/{file_id}", **office)
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert client.get(f"/api/opinions/attachments/{file_id}", **bearer(ow.users["other_officer"])).status_code == 404

    body = client.get(base, **office).json()
    assert body["status"] == "replied" and "东风镇人民政府" in body["replies_text"]
    body = post(client, f"{base}/feed-back", {"answer": body["replies_text"]}, **office).json()
    assert body["status"] == "fed_back"
    rated = post(
        client,
        f"/api/opinions/track/{opinion.tracking_code}/rating",
        {"satisfaction": "satisfied", "secret": receipt["secret"]},
    )
    assert rated.json()["status"] == "fed_back" and rated.json()["satisfaction"] == "satisfied"
    body = post(client, f"{base}/return-visit", {"satisfaction": "satisfied", "method": "phone"}, **office).json()
    assert body["status"] == "closed"
    preview = client.get(f"{base}/publication", **office).json()
    assert "李群众" not in json.dumps(preview, ensure_ascii=False)
    body = post(client, f"{base}/publish", {"title": "村口道路修缮"}, **office).json()
    assert body["is_published"] and body["published_title"] == "村口道路修缮"
    body = post(client, f"{base}/unpublish", {"comment": "内容需核实"}, **office).json()
    assert body["is_published"] is False
    actions = set(
        AuditLog.objects.filter(object_id=str(opinion.pk), model="opinions.Opinion").values_list("reason", flat=True)
    )
    assert {"accept", "assign", "feed_back", "publish"} <= {r.split(":")[0] for r in actions}


def test_stale_version_wrong_state_wrong_role_and_scope(client, ow, submit):
    opinion = submit()
    base = f"/api/opinions/{opinion.pk}"
    office = bearer(ow.users["town_officer"])
    assert post(client, f"{base}/accept", {"level": "township", "version": 1}, **office).status_code == 200
    stale = post(client, f"{base}/escalate", {"comment": "县级事项", "version": 1}, **office)
    assert stale.status_code == 409 and stale.json()["code"] == "opinion_changed"
    wrong_state = post(client, f"{base}/accept", {"level": "township"}, **office)
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "transition_not_allowed"
    english = post(client, f"{base}/feed-back", {"answer": "答复内容五个字以上"}, HTTP_ACCEPT_LANGUAGE="en", **office)
    assert english.status_code == 409 and "not possible" in english.json()["message"]
    wrong_role = post(client, f"{base}/close", {"comment": "领导关闭"}, **bearer(ow.users["leader"]))
    assert wrong_role.status_code == 403 and wrong_role.json()["code"] == "not_your_step"
    outside = post(client, f"{base}/close", {"comment": "外区关闭"}, **bearer(ow.users["other_officer"]))
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    invalid = post(client, f"{base}/redirect", {"target": "moon", "comment": "理由"}, **office)
    assert invalid.status_code == 400 and invalid.json()["field"] == "target"
    assert post(client, f"{base}/assign", {"unit_ids": [999999]}, **office).json()["field"] == "unit_ids"


def test_other_steps_answer_on_spot_escalate_redirect_merge_withdraw_close(client, ow, submit):
    office = bearer(ow.users["town_officer"])
    first = submit()
    body = post(client, f"/api/opinions/{first.pk}/answer-on-spot", {"answer": "现场已答复。"}, **office).json()
    assert body["status"] == "answered_on_spot"
    body = post(client, f"/api/opinions/{first.pk}/close", {"comment": "已答复完毕"}, **office).json()
    assert body["status"] == "closed"

    later = submit()
    body = post(client, f"/api/opinions/{later.pk}/merge", {"into": first.tracking_code}, **office).json()
    assert body["status"] == "merged" and body["merged_into"] == first.tracking_code

    county = accepted(ow, submit, level="county")
    body = post(client, f"/api/opinions/{county.pk}/escalate", {"comment": "属县级事项"}, **office).json()
    assert body["status"] == "escalated" and body["queue_region"]["name"] == "甲一县"

    third = submit()
    body = post(client, f"/api/opinions/{third.pk}/redirect", {"target": "court", "comment": "涉诉事项"}, **office)
    assert body.json()["status"] == "redirected"

    opinion, (assignment,) = assigned(ow, submit)
    body = post(
        client,
        f"/api/opinions/{opinion.pk}/withdraw-assignment",
        {"assignment_id": assignment.pk, "comment": "交办有误"},
        **office,
    ).json()
    assert body["status"] == "accepted" and body["assignments"][0]["status"] == "withdrawn"

    done = fed_back(ow, submit)
    body = post(
        client, f"/api/opinions/{done.pk}/return-visit", {"satisfaction": "satisfied", "method": "phone"}, **office
    ).json()
    assert body["status"] == "closed" and body["satisfaction"] == "satisfied"


def test_unit_endpoints_belong_to_the_unit(client, ow, submit):
    opinion, (assignment,) = assigned(ow, submit)
    a = f"/api/opinions/assignments/{assignment.pk}"
    office = post(client, f"{a}/accept", **bearer(ow.users["town_officer"]))
    assert office.status_code == 403 and office.json()["code"] == "permission_denied"
    assert client.get("/api/opinions/unit/assignments", **bearer(ow.users["town_officer"])).status_code == 403
    other_unit = post(client, f"{a}/accept", **bearer(ow.users["water_unit"]))
    assert other_unit.status_code == 404
    mine = client.get(a, **bearer(ow.users["town_unit"]))
    assert mine.status_code == 200 and mine.json()["opinion"]["tracking_code"] == opinion.tracking_code
    assert {"unit_accept", "reply"} <= set(mine.json()["actions"])
    accepted_now = post(client, f"{a}/accept", **bearer(ow.users["town_unit"])).json()
    assert "unit_accept" not in accepted_now["actions"] and "reply" in accepted_now["actions"]
    sent_back = post(client, f"{a}/return", {"reason": "不属于本单位职责"}, **bearer(ow.users["town_unit"]))
    assert sent_back.status_code == 200 and sent_back.json()["status"] == "returned"
    again = post(client, f"{a}/reply", {"text": "已处理完毕，请查收。"}, **bearer(ow.users["town_unit"]))
    assert again.status_code in (403, 409)
    # a unit asking for its contact is audited like the office
    water = bearer(ow.users["water_unit"])
    assert post(client, f"/api/opinions/{opinion.pk}/contact", **water).status_code == 404


# --- the OpenAPI document ---------------------------------------------------------------------------


def test_openapi_document_lists_the_opinion_endpoints(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    paths = doc["paths"]
    for path in (
        "/api/opinions/",
        "/api/opinions/sms-code",
        "/api/opinions/track/{code}",
        "/api/opinions/track/{code}/rating",
        "/api/opinions/published",
        "/api/opinions/categories",
        "/api/opinions/queue",
        "/api/opinions/{opinion_id}",
        "/api/opinions/{opinion_id}/contact",
        "/api/opinions/{opinion_id}/extensions/{extension_id}/decide",
        "/api/opinions/unit/assignments",
        "/api/opinions/assignments/{assignment_id}/reply",
    ):
        assert path in paths, path
    for step in ("accept", "answer-on-spot", "assign", "escalate", "redirect", "merge", "withdraw-assignment"):
        assert f"/api/opinions/{{opinion_id}}/{step}" in paths
    for step in ("feed-back", "return-visit", "close", "publish", "unpublish"):
        assert paths[f"/api/opinions/{{opinion_id}}/{step}"]["post"]["summary"]
    reply = paths["/api/opinions/assignments/{assignment_id}/reply"]["post"]["requestBody"]["content"]
    assert set(reply) == {"application/json", "multipart/form-data"}
    submit = paths["/api/opinions/"]["post"]
    assert "security" not in submit and submit["requestBody"]["content"]["application/json"]["schema"]["properties"]
