"""The suggestions and motions JSON API (`/api/proposals/…`): every endpoint on its happy path through
the workflow, the characteristic errors (a co-signer of another congress or whose mandate ended, too
few signatures, after the deadline, an extension past six months, a reply without a class, a rating by
a deputy who did not sign, a stale version, a wrong state), scope (404 across counties), 401/403,
idempotent drafting, answers in the caller's language, and a list whose number of queries does not
grow with its rows."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.api.models import ApiToken
from liaison.core import deadlines
from liaison.core.models import AuditLog
from liaison.notifications.models import Notification
from liaison.proposals import motions, services
from liaison.proposals.models import Assignment, Commitment, Event, Extension, Signer, Suggestion

from .conftest import REPLY, TEXT, TITLE, today
from .test_handling import PDF, docx_bytes

pytestmark = pytest.mark.django_db
API = "/api/proposals"


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


class Caller:
    """A test client acting as one user through a bearer token."""

    def __init__(self, client, user):
        self.client, self.headers = client, bearer(user)

    def get(self, path, params=None, **extra):
        return self.client.get(API + path, params or {}, **self.headers, **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(
            API + path, json.dumps(data or {}), content_type="application/json", **self.headers, **extra
        )

    def patch(self, path, data, **extra):
        return self.client.patch(API + path, json.dumps(data), content_type="application/json", **self.headers, **extra)

    def delete(self, path, **extra):
        return self.client.delete(API + path, **self.headers, **extra)

    def upload(self, path, data, **extra):
        return self.client.post(API + path, data, **self.headers, **extra)


@pytest.fixture
def api(client, pw):
    """`api["li"]` calls the API as the deputy 李代表, `api["officer"]` as the county's liaison officer…"""

    class Callers(dict):
        def __missing__(self, key):
            self[key] = Caller(client, pw.users[key])
            return self[key]

    return Callers()


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert body["code"] == code, body
    return body


def draft_body(**extra) -> dict:
    return {"congress_id": 0, "title": TITLE, "text": TEXT, **extra}


# --- drafting and co-signing -------------------------------------------------------------------------


def test_a_deputy_drafts_asks_cosigners_and_submits(api, pw):
    li = api["li"]
    body = ok(li.post("/suggestions", draft_body(congress_id=pw.congress.pk)), 201)
    pk = body["id"]
    assert body["status"] == "draft" and body["lead"]["name"] == "李代表" and body["version"] == 1
    assert body["signers"][0]["is_lead"] and body["timeline"][0]["action"] == "create"
    assert set(body["actions"]) >= {"edit", "invite", "submit", "discard"}
    assert AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(pk), action="create").exists()

    names = {c["person"]["name"] for c in ok(li.get(f"/suggestions/{pk}/candidates"))}
    assert {"张代表", "王代表"} <= names and "孙代表" not in names and "周代表" not in names
    body = ok(li.post(f"/suggestions/{pk}/signers", {"person_ids": [pw.persons["zhang"].pk, pw.persons["wang"].pk]}))
    assert [s["status"] for s in body["signers"]] == ["confirmed", "invited", "invited"]
    assert Notification.objects.filter(user=pw.users["zhang"], kind="proposal.cosign_request").exists()

    other = error(li.post(f"/suggestions/{pk}/signers", {"person_ids": [pw.persons["sun"].pk]}), 400, "other_congress")
    assert other["field"] == "persons" and "孙代表" in other["message"]
    error(li.post(f"/suggestions/{pk}/signers", {"person_ids": [pw.persons["zhou"].pk]}), 400, "mandate_not_serving")

    missing = error(li.post(f"/suggestions/{pk}/submit"), 400, "signers_missing")
    assert "张代表" in missing["message"]
    ok(api["zhang"].post(f"/suggestions/{pk}/confirm"))
    body = ok(api["wang"].post(f"/suggestions/{pk}/decline", {"comment": "不熟悉这一领域"}))
    wang = next(s for s in body["signers"] if s["person"]["name"] == "王代表")
    assert wang["status"] == "declined"
    body = ok(li.delete(f"/suggestions/{pk}/signers/{wang['id']}?version={body['version']}"))
    assert len(body["signers"]) == 2

    # a changed text asks the co-signer again
    body = ok(li.patch(f"/suggestions/{pk}", {"text": TEXT + "并增加夜间公交线路。", "version": body["version"]}))
    assert body["text"].endswith("夜间公交线路。") and body["title"] == TITLE
    assert [s["status"] for s in body["signers"]] == ["confirmed", "invited"]
    ok(api["zhang"].post(f"/suggestions/{pk}/confirm", {"version": body["version"]}))

    body = ok(li.post(f"/suggestions/{pk}/submit"))
    assert body["status"] == "submitted" and body["submitted_at"]
    assert [e["action"] for e in ok(li.get(f"/suggestions/{pk}/timeline"))][-1] == "submit"


def test_drafting_is_idempotent_with_a_key(api, pw):
    key = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
    first = api["li"].post("/suggestions", draft_body(congress_id=pw.congress.pk), HTTP_IDEMPOTENCY_KEY=key)
    again = api["li"].post("/suggestions", draft_body(congress_id=pw.congress.pk, idempotency_key=key))
    assert ok(first, 201)["id"] == ok(again, 200)["id"]
    assert Suggestion.objects.count() == 1
    assert "idempotency_key" not in json.dumps(again.json()["timeline"])
    reused = api["li"].post(
        "/suggestions", draft_body(congress_id=pw.congress.pk, title="另一件事的建议"), HTTP_IDEMPOTENCY_KEY=key
    )
    error(reused, 409, "idempotency_key_reused")
    error(
        api["li"].post("/suggestions", draft_body(congress_id=pw.congress.pk), HTTP_IDEMPOTENCY_KEY="short"),
        400,
        "invalid",
    )
    # another deputy's key is theirs alone
    ok(api["zhang"].post("/suggestions", draft_body(congress_id=pw.congress.pk), HTTP_IDEMPOTENCY_KEY=key), 201)
    assert Suggestion.objects.count() == 2


def test_drafting_errors_are_clear_and_in_the_callers_language(api, pw):
    li = api["li"]
    short = error(li.post("/suggestions", draft_body(congress_id=pw.congress.pk, text="太短")), 400, "invalid")
    assert short["field"] == "text" and "10" in short["message"]
    english = li.post("/suggestions", draft_body(congress_id=pw.congress.pk, text="太短"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "The text needs at least 10 characters."
    assert english.json()["message"] != short["message"]
    error(li.post("/suggestions", draft_body(congress_id=999999)), 400, "invalid")
    error(li.post("/suggestions", draft_body(congress_id=pw.w.congresses["county2"].pk)), 400, "mandate_not_serving")
    error(li.post("/suggestions", draft_body(congress_id=pw.congress.pk, timing="session")), 400, "invalid")
    error(li.post("/suggestions", draft_body(congress_id=pw.congress.pk, category_id=999999)), 400, "invalid")
    error(li.post("/suggestions", draft_body(congress_id=pw.congress.pk, opinion_ids=[999999])), 400, "invalid")
    malformed = li.post("/suggestions", {"title": TITLE})
    assert malformed.status_code == 422 and "congress_id" in malformed.json()["errors"]
    bad_json = li.client.post(API + "/suggestions", "{not json", content_type="application/json", **li.headers)
    assert bad_json.status_code == 400 and bad_json.json()["message"]
    error(api["officer"].post("/suggestions", draft_body(congress_id=pw.congress.pk)), 403, "not_a_deputy")
    assert not Suggestion.objects.exists()


def test_a_draft_is_discarded_and_a_draft_stays_private(api, pw):
    suggestion = pw.draft()
    error(api["officer"].get(f"/suggestions/{suggestion.pk}"), 404, "not_found")  # the deputies' own
    error(api["zhang"].delete(f"/suggestions/{suggestion.pk}"), 404, "not_found")
    assert api["li"].delete(f"/suggestions/{suggestion.pk}?version=1").status_code == 204
    assert not Suggestion.objects.filter(pk=suggestion.pk).exists()
    assert AuditLog.objects.filter(object_id=str(suggestion.pk), action="delete").exists()


# --- the office --------------------------------------------------------------------------------------


def test_register_with_versions_and_wrong_states_reported_as_409_with_the_state(api, pw):
    suggestion = pw.submitted()
    officer = api["officer"]
    body = ok(officer.get(f"/suggestions/{suggestion.pk}"))
    assert "register" in body["actions"] and "refuse" in body["actions"]
    stale = error(
        officer.post(f"/suggestions/{suggestion.pk}/register", {"version": body["version"] - 1}),
        409,
        "proposal_changed",
    )
    assert stale["extra"] == {
        "status": "submitted",
        "status_label": str(Suggestion.Status.SUBMITTED.label),
        "version": body["version"],
    }
    body = ok(officer.post(f"/suggestions/{suggestion.pk}/register", {"version": body["version"]}))
    assert body["status"] == "registered" and body["number"] == 1 and body["label"]
    again = error(officer.post(f"/suggestions/{suggestion.pk}/register"), 409, "transition_not_allowed")
    assert again["extra"]["status"] == "registered" and again["extra"]["version"] == body["version"]
    assert again["extra"]["status_label"] == str(Suggestion.Status.REGISTERED.label)
    error(api["li"].post(f"/suggestions/{suggestion.pk}/register"), 403, "not_your_step")
    error(api["other_officer"].post(f"/suggestions/{suggestion.pk}/register"), 404, "not_found")
    second = pw.submitted(lead="zhang")
    assert ok(officer.post(f"/suggestions/{second.pk}/register"))["number"] == 2


def test_refusal_needs_a_reason_of_003_21(api, pw):
    suggestion = pw.submitted()
    officer = api["officer"]
    bad = error(
        officer.post(f"/suggestions/{suggestion.pk}/refuse", {"reason": "dislike", "explanation": "不予登记"}),
        400,
        "invalid",
    )
    assert bad["field"] == "reason"
    error(
        officer.post(f"/suggestions/{suggestion.pk}/refuse", {"reason": "complaint", "explanation": ""}), 400, "invalid"
    )
    body = ok(
        officer.post(
            f"/suggestions/{suggestion.pk}/refuse",
            {"reason": "complaint", "explanation": "属于检举控告，请走信访渠道。"},
        )
    )
    assert body["status"] == "not_registered" and body["refusal"] == "complaint" and body["refusal_label"]
    assert "请走信访渠道" in ok(api["li"].get(f"/suggestions/{suggestion.pk}"))["refusal_note"]


def test_assignment_reassignment_and_key_supervision(api, pw, monkeypatch):
    suggestion = pw.registered()
    officer = api["officer"]
    choices = ok(officer.get(f"/suggestions/{suggestion.pk}/choices"))
    assert {u["name"] for u in choices["units"]} == {"甲一县人民政府", "甲一县教育局"}
    assert {o["name"] for o in choices["assigning_organs"]} >= {"甲一县人大常委会", "甲一县人大代表工作委员会"}
    assert [o["name"] for o in choices["supervising_organs"]] == ["甲一县人大财政经济委员会"]
    wrong = {"organ_id": pw.organs["other"].pk, "lead_unit_id": pw.units["county_edu"].pk}
    error(officer.post(f"/suggestions/{suggestion.pk}/assign", wrong), 400, "wrong_organ")
    foreign = {"organ_id": pw.organ.pk, "lead_unit_id": pw.units["other_edu"].pk}
    error(officer.post(f"/suggestions/{suggestion.pk}/assign", foreign), 400, "wrong_unit")
    body = ok(
        officer.post(
            f"/suggestions/{suggestion.pk}/assign",
            {"organ_id": pw.organ.pk, "lead_unit_id": pw.units["county_edu"].pk, "instructions": "请认真办理"},
        )
    )
    assert body["status"] == "assigned" and body["assigning_organ"]["name"] == "甲一县人大常委会"
    assert body["deadline"] == deadlines.add_months(today(), 3).isoformat()
    assert body["deadline_cap"] == deadlines.add_months(today(), 6).isoformat()
    assert body["lead_unit"]["name"] == "甲一县教育局" and [a["role"] for a in body["assignments"]] == ["lead"]

    body = ok(
        officer.post(
            f"/suggestions/{suggestion.pk}/reassign",
            {
                "lead_unit_id": pw.units["county_edu"].pk,
                "co_unit_ids": [pw.units["county_gov"].pk],
                "comment": "需政府协办",
            },
        )
    )
    assert sorted(a["role"] for a in body["assignments"]) == ["co", "lead"]
    error(
        officer.post(
            f"/suggestions/{suggestion.pk}/reassign", {"lead_unit_id": pw.units["county_edu"].pk, "comment": ""}
        ),
        400,
        "invalid",
    )

    committee = {"organ_id": pw.committee.pk, "comment": "群众关注度高"}
    error(officer.post(f"/suggestions/{suggestion.pk}/key-supervision", committee), 403, "not_your_step")
    body = ok(api["leader"].post(f"/suggestions/{suggestion.pk}/key-supervision", committee))
    assert body["key_supervision"] and body["supervising_organ"]["name"] == "甲一县人大财政经济委员会"
    listed = ok(officer.get("/suggestions", {"key_supervision": "true"}))
    assert [i["id"] for i in listed["items"]] == [suggestion.pk]
    body = ok(api["leader"].post(f"/suggestions/{suggestion.pk}/key-supervision", {"on": False}))
    assert not body["key_supervision"]


# --- handling units ----------------------------------------------------------------------------------


def test_units_handle_reply_with_a_document_and_fulfil_commitments(api, pw):
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead = next(a for a in rows if a.role == "lead")
    co = next(a for a in rows if a.role == "co")
    edu, gov = api["edu_unit"], api["gov_unit"]

    queue = ok(edu.get("/unit/assignments"))
    assert queue["count"] == 1 and queue["items"][0]["item"]["id"] == suggestion.pk
    assert queue["items"][0]["item"]["kind"] == "suggestion" and queue["items"][0]["role"] == "lead"
    page = ok(edu.get(f"/assignments/{lead.pk}"))
    assert page["item"]["text"] == TEXT and set(page["actions"]) == {
        "unit_accept", "unit_return", "unit_contact", "request_extension", "reply",
    }  # fmt: skip
    version = page["item"]["version"]
    page = ok(edu.post(f"/assignments/{lead.pk}/accept", {"version": version}))
    assert page["status"] == "accepted" and "unit_accept" not in page["actions"]
    error(edu.post(f"/assignments/{lead.pk}/accept"), 409, "transition_not_allowed")
    contact = {"kind": "meeting", "date": today().isoformat(), "note": "与李代表座谈，听取意见。"}
    page = ok(edu.post(f"/assignments/{lead.pk}/contacts", contact))
    assert page["contacts"][0]["kind"] == "meeting" and page["contacts"][0]["kind_label"]
    future = {**contact, "date": (today() + datetime.timedelta(days=2)).isoformat()}
    assert error(edu.post(f"/assignments/{lead.pk}/contacts", future), 400, "invalid")["field"] == "date"
    assert edu.post(f"/assignments/{lead.pk}/contacts", {**contact, "date": "2027-02-30"}).status_code == 422

    # more time: never past six months after assignment (003 §24)
    cap = deadlines.add_months(lead.assigned_on, 6)
    too_long = error(
        edu.post(
            f"/assignments/{lead.pk}/extension",
            {"deadline": (cap + datetime.timedelta(days=1)).isoformat(), "reason": "需要调研"},
        ),
        400,
        "extension_too_long",
    )
    assert too_long["field"] == "deadline" and cap.isoformat() in too_long["message"]
    error(
        gov.post(f"/assignments/{co.pk}/extension", {"deadline": cap.isoformat(), "reason": "需要调研"}),
        403,
        "not_your_step",
    )
    new = lead.deadline + datetime.timedelta(days=30)
    ok(edu.post(f"/assignments/{lead.pk}/extension", {"deadline": new.isoformat(), "reason": "需要跨部门调研"}))
    extension = Extension.objects.get(assignment=lead)
    error(
        api["edu_unit"].post(f"/extensions/{extension.pk}/decide", {"approve": True, "explanation": "同意"}),
        403,
        "not_your_step",
    )
    error(
        api["other_officer"].post(f"/extensions/{extension.pk}/decide", {"approve": True, "explanation": "同意"}),
        404,
        "not_found",
    )
    body = ok(
        api["officer"].post(
            f"/extensions/{extension.pk}/decide", {"approve": True, "explanation": "同意延期，已向代表说明。"}
        )
    )
    assert body["deadline"] == new.isoformat() and body["assignments"][0]["extensions"][0]["status"] == "approved"

    # the co-unit's opinion with a PDF, as a multipart form
    form = {"text": "我单位同意主办单位的处理意见。", "document": SimpleUploadedFile("协办意见.pdf", PDF)}
    page = ok(gov.upload(f"/assignments/{co.pk}/co-opinion", form))
    assert page["status"] == "replied" and page["replies"][0]["document"]["name"] == "协办意见.pdf"
    assert [o["unit"]["name"] for o in ok(edu.get(f"/assignments/{lead.pk}"))["co_opinions"]] == ["甲一县人民政府"]
    error(gov.post(f"/assignments/{co.pk}/reply", {"answer_class": "A", "text": REPLY}), 403, "not_your_step")

    # the reply: a class is required; class B states commitments; the document is judged by content
    error(edu.post(f"/assignments/{lead.pk}/reply", {"text": REPLY}), 400, "reply_class_missing")
    error(edu.post(f"/assignments/{lead.pk}/reply", {"answer_class": "B", "text": REPLY}), 400, "commitments_missing")
    fake = {"answer_class": "A", "text": REPLY, "document": SimpleUploadedFile("答复.pdf", b"not a pdf")}
    error(edu.upload(f"/assignments/{lead.pk}/reply", fake), 400, "document_rejected")
    form = {
        "answer_class": "B",
        "text": REPLY,
        "commitments": ["年底前完成信号灯改造", json.dumps({"text": "明年建成两处停车场", "due": "2030-06-30"})],
        "document": SimpleUploadedFile("答复函.docx", docx_bytes()),
    }
    page = ok(edu.upload(f"/assignments/{lead.pk}/reply", form))
    answer = next(r for r in page["replies"] if r["kind"] == "answer")
    promised = {c["text"]: c["due"] for c in answer["commitments"]}
    assert answer["answer_class"] == "B" and promised == {
        "年底前完成信号灯改造": None,
        "明年建成两处停车场": "2030-06-30",
    }
    assert page["actions"] == ["fulfil"]
    download = edu.get(answer["document"]["url"].removeprefix(API))
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(download.streaming_content).startswith(b"PK")
    assert api["li"].get(answer["document"]["url"].removeprefix(API)).status_code == 200  # the deputies read it
    assert api["other_officer"].get(answer["document"]["url"].removeprefix(API)).status_code == 404

    assert ok(api["officer"].get("/commitments"))["count"] == 2
    commitment = Commitment.objects.get(text="年底前完成信号灯改造")
    page = ok(edu.post(f"/commitments/{commitment.pk}/fulfil", {"note": "已完成全部路口信号灯改造。"}))
    done = next(c for r in page["replies"] for c in r["commitments"] if c["id"] == commitment.pk)
    assert done["fulfilled_at"] and done["fulfilled_note"].startswith("已完成")
    error(edu.post(f"/commitments/{commitment.pk}/fulfil", {"note": "再次"}), 409, "transition_not_allowed")
    error(gov.post(f"/commitments/{commitment.pk}/fulfil", {"note": "不是我们的"}), 404, "not_found")
    assert ok(api["officer"].get("/commitments"))["count"] == 1
    assert ok(edu.get("/unit/assignments"))["count"] == 0
    assert ok(edu.get("/unit/assignments", {"state": "replied"}))["count"] == 1


def test_a_unit_sends_it_back_and_other_units_see_nothing(api, pw):
    suggestion, rows = pw.assigned(co=())
    (lead,) = rows
    error(api["other_unit"].get(f"/assignments/{lead.pk}"), 404, "not_found")
    error(api["other_unit"].post(f"/assignments/{lead.pk}/accept"), 404, "not_found")
    error(api["gov_unit"].get(f"/assignments/{lead.pk}"), 404, "not_found")
    error(api["officer"].get("/unit/assignments"), 403, "permission_denied")
    error(api["edu_unit"].post(f"/assignments/{lead.pk}/return", {"reason": ""}), 400, "invalid")
    page = ok(
        api["edu_unit"].post(f"/assignments/{lead.pk}/return", {"reason": "不属于我局职责，建议交县交通运输局。"})
    )
    assert page["status"] == "returned" and page["actions"] == []
    assert ok(api["officer"].get(f"/suggestions/{suggestion.pk}"))["status"] == "registered"


def test_overdue_board(api, pw, monkeypatch):
    suggestion, rows = pw.assigned()
    later = suggestion.deadline + datetime.timedelta(days=3)
    monkeypatch.setattr(services, "today", lambda: later)
    board = ok(api["officer"].get("/overdue"))
    assert board["count"] == 2 and board["items"][0]["days_overdue"] == 3 and board["items"][0]["overdue"]
    assert {i["unit"]["name"] for i in board["items"]} == {"甲一县教育局", "甲一县人民政府"}
    assert ok(api["leader"].get("/overdue"))["count"] == 2
    assert ok(api["officer"].get("/overdue", {"kind": "motion"}))["count"] == 0
    assert ok(api["other_officer"].get("/overdue"))["count"] == 0
    error(api["edu_unit"].get("/overdue"), 403, "permission_denied")
    error(api["officer"].get("/overdue", {"kind": "x"}), 400, "invalid")


# --- rating, re-handling, closing, publication -------------------------------------------------------


def test_rating_rehandling_twice_closing_and_publication(api, pw, settings):
    settings.SUGGESTION_REHANDLING_MAX = 1
    suggestion = pw.draft(cosigners=("zhang",))
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["wang"]])
    services.suggestion_decline(actor=pw.users["wang"], suggestion_id=suggestion.pk)
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    pw.reply(Suggestion.objects.get(pk=suggestion.pk))
    path = f"/suggestions/{suggestion.pk}"

    error(api["wang"].post(path + "/rate", {"satisfaction": "satisfied"}), 403, "not_a_signer")  # declined
    error(api["zhao"].post(path + "/rate", {"satisfaction": "satisfied"}), 404, "not_found")  # never on the list
    error(api["li"].post(path + "/rate", {"satisfaction": "so-so"}), 400, "invalid")
    body = ok(api["li"].post(path + "/rate", {"satisfaction": "dissatisfied", "comment": "未解决根本问题"}))
    assert body["status"] == "replied" and "rate" not in body["actions"]
    error(api["li"].post(path + "/rate", {"satisfaction": "satisfied"}), 409, "already_rated")
    body = ok(api["zhang"].post(path + "/rate", {"satisfaction": "satisfied"}))
    assert body["status"] == "re_handling" and body["round"] == 2
    assert body["deadline"] == deadlines.add_months(today(), 1).isoformat()

    # the second round: dissatisfied again, but re-handling happens once only
    pw.reply(Suggestion.objects.get(pk=suggestion.pk))
    ok(api["li"].post(path + "/rate", {"satisfaction": "dissatisfied"}))
    body = ok(api["zhang"].post(path + "/rate", {"satisfaction": "basically"}))
    assert body["status"] == "evaluated" and body["round"] == 2
    assert [(e["round"], e["satisfaction"]) for e in body["evaluations"]] == [
        (1, "dissatisfied"), (1, "satisfied"), (2, "dissatisfied"), (2, "basically"),
    ]  # fmt: skip

    error(api["officer"].post(path + "/publish"), 400, "disclosure_not_agreed")
    error(api["zhang"].post(path + "/disclosure", {"agreed": True}), 403, "not_your_step")
    assert ok(api["li"].post(path + "/disclosure", {"agreed": True}))["disclosure_agreed"]
    body = ok(api["officer"].post(path + "/publish"))
    assert body["published"] and body["published_at"]
    error(api["officer"].post(path + "/publish"), 409, "transition_not_allowed")
    error(api["officer"].post(path + "/unpublish", {"reason": ""}), 400, "invalid")
    assert not ok(api["officer"].post(path + "/unpublish", {"reason": "代表要求暂缓公开"}))["published"]
    body = ok(api["officer"].post(path + "/close", {"comment": "办理完毕"}))
    assert body["status"] == "closed" and body["actions"] == ["publish"]
    error(api["officer"].post(path + "/close"), 409, "transition_not_allowed")


# --- motions -----------------------------------------------------------------------------------------


def motion_body(pw, **extra) -> dict:
    return {
        "congress_id": pw.congress.pk,
        "session_id": pw.session.pk,
        "title": "关于制定县城市容环境卫生管理办法的议案",
        "grounds": "县城环境卫生管理缺乏统一规范，群众反映强烈，现行规定已不适应城市发展。",
        "plan": "建议县人大常委会组织制定县城市容环境卫生管理办法，明确责任主体与监督机制。",
        **extra,
    }


def test_motions_collect_signatures_to_the_threshold_before_the_deadline(api, pw, monkeypatch):
    li = api["li"]
    error(li.post("/motions", motion_body(pw, plan="")), 400, "invalid")
    body = ok(li.post("/motions", motion_body(pw)), 201)
    pk, path = body["id"], f"/motions/{body['id']}"
    assert body["status"] == "draft" and body["threshold"] == 3 and body["signatures"] == 1 and body["deadline"]
    body = ok(li.patch(path, {"plan": "建议县人大常委会年内制定管理办法，明确责任主体、监督机制与处罚标准。"}))
    assert body["plan"].startswith("建议县人大常委会年内") and body["grounds"].startswith("县城环境卫生")
    error(li.post(path + "/signers", {"person_ids": [pw.persons["sun"].pk]}), 400, "other_congress")
    error(li.post(path + "/signers", {"person_ids": [pw.persons["zhou"].pk]}), 400, "mandate_not_serving")
    body = ok(li.post(path + "/signers", {"person_ids": [pw.persons[k].pk for k in ("zhang", "wang", "zhao")]}))
    assert body["status"] == "collecting"
    assert {c["person"]["name"] for c in ok(li.get(path + "/candidates"))} >= {"陈代表"}
    ok(api["zhang"].post(path + "/sign"))
    ok(api["zhao"].post(path + "/decline", {"comment": "另有安排"}))
    few = error(li.post(path + "/submit"), 400, "threshold_not_met")
    assert "3" in few["message"] and "2" in few["message"]
    zhao = Signer.objects.get(motion_id=pk, person=pw.persons["zhao"])
    ok(li.delete(f"{path}/signers/{zhao.pk}"))
    ok(api["wang"].post(path + "/sign"))
    monkeypatch.setattr(services, "now", lambda: motions.motion_deadline(pw.session) + datetime.timedelta(seconds=1))
    error(li.post(path + "/submit"), 400, "deadline_passed")
    monkeypatch.undo()
    body = ok(li.post(path + "/submit"))
    assert body["status"] == "submitted" and body["number"] == 1 and body["signatures"] == 3
    listed = ok(api["officer"].get("/motions"))
    assert [i["id"] for i in listed["items"]] == [pk] and listed["items"][0]["signatures"] == 3
    assert [e["action"] for e in ok(api["officer"].get(path + "/timeline"))][-1] == "submit"


def test_review_accept_assign_reply_report(api, pw):
    motion = pw.motion_submitted()
    path, officer = f"/motions/{motion.pk}", api["officer"]
    error(officer.post(path + "/accept"), 409, "transition_not_allowed")
    assert ok(api["li"].get(path))["status"] == "submitted"  # the lead deputy follows it
    body = ok(officer.post(path + "/review", {"opinion": "议案审查委员会建议列为本次会议议案。"}))
    assert body["status"] == "under_review" and body["review_opinion"]
    body = ok(officer.post(path + "/accept", {"note": "主席团决定列为议案"}))
    assert body["status"] == "accepted"
    choices = ok(officer.get(path + "/choices"))
    assert choices["units"] and choices["assigning_organs"]
    body = ok(officer.post(path + "/assign", {"organ_id": pw.organ.pk, "lead_unit_id": pw.units["county_edu"].pk}))
    assert (
        body["status"] == "assigned"
        and body["assignments"][0]["deadline"] == deadlines.add_months(today(), 3).isoformat()
    )
    lead = Assignment.objects.get(motion=motion)
    queue = ok(api["edu_unit"].get("/unit/assignments"))
    assert queue["items"][0]["item"] == {**queue["items"][0]["item"], "kind": "motion", "id": motion.pk}
    page = ok(api["edu_unit"].get(f"/assignments/{lead.pk}"))
    assert "县城环境卫生管理" in page["item"]["text"]
    ok(
        api["edu_unit"].post(
            f"/assignments/{lead.pk}/extension",
            {"deadline": (lead.deadline + datetime.timedelta(days=10)).isoformat(), "reason": "需要立法调研"},
        )
    )
    extension = Extension.objects.get(assignment=lead)
    body = ok(
        officer.post(f"/extensions/{extension.pk}/decide", {"approve": False, "explanation": "时间充裕，不同意延期。"})
    )
    assert (
        body["id"] == motion.pk and body["grounds"] and body["assignments"][0]["extensions"][0]["status"] == "refused"
    )
    ok(api["edu_unit"].post(f"/assignments/{lead.pk}/reply", {"answer_class": "A", "text": REPLY}))
    error(officer.post(path + "/report", {"report": ""}), 400, "invalid")
    body = ok(officer.post(path + "/report", {"report": "已向常委会报告议案办理情况。"}))
    assert body["status"] == "reported"


def test_outside_powers_converted_to_a_suggestion_and_withdrawal(api, pw):
    motion = pw.motion_submitted()
    path, officer = f"/motions/{motion.pk}", api["officer"]
    bad = error(
        officer.post(path + "/review", {"opinion": "不属于本级职权", "outside_powers": "elsewhere"}), 400, "invalid"
    )
    assert bad["field"] == "outside_powers"
    ok(officer.post(path + "/review", {"opinion": "属于上级人大职权范围。", "outside_powers": "upper_congress"}))
    error(officer.post(path + "/accept"), 400, "outside_powers")
    converted = ok(officer.post(path + "/convert", {"note": "作为代表建议处理"}))
    assert converted["motion"]["status"] == "converted"
    assert converted["motion"]["suggestion_id"] == converted["suggestion_id"]
    suggestion = ok(officer.get(f"/suggestions/{converted['suggestion_id']}"))
    assert suggestion["status"] == "submitted" and suggestion["from_motion"]["id"] == motion.pk
    assert suggestion["timeline"][0]["item"] == "motion"  # the motion's steps first
    assert ok(officer.post(f"/suggestions/{suggestion['id']}/register"))["number"] == 1

    second = pw.motion_submitted(title="关于加强农村饮用水源保护的议案")
    path = f"/motions/{second.pk}"
    error(api["li"].post(path + "/withdraw", {"reason": "撤回"}), 403, "not_your_step")
    error(officer.post(path + "/withdraw", {"reason": "提案人要求撤回"}), 400, "invalid")
    body = ok(officer.post(path + "/withdraw", {"reason": "提案人要求撤回", "presidium_consent": True}))
    assert body["status"] == "withdrawn" and body["withdrawal_reason"] == "提案人要求撤回"
    draft = pw.motion_draft()
    assert ok(api["li"].post(f"/motions/{draft.pk}/withdraw"))["status"] == "withdrawn"


def test_the_office_drafts_a_presidium_motion(api, pw):
    body = ok(api["officer"].post("/motions", motion_body(pw, proposer="presidium")), 201)
    assert body["proposer"] == "presidium" and body["lead"] is None and "submit" in body["actions"]
    assert ok(api["officer"].post(f"/motions/{body['id']}/submit"))["status"] == "submitted"
    error(api["li"].post("/motions", motion_body(pw, proposer="presidium")), 403, "not_your_step")
    error(api["officer"].post("/motions", motion_body(pw, proposer="delegation")), 400, "invalid")


# --- scope, access, lists ----------------------------------------------------------------------------


def test_scope_is_404_across_counties_and_access_needs_a_token(api, client, pw):
    suggestion, rows = pw.assigned()
    motion = pw.motion_submitted()
    other = api["other_officer"]
    for path in (
        f"/suggestions/{suggestion.pk}",
        f"/suggestions/{suggestion.pk}/timeline",
        f"/suggestions/{suggestion.pk}/choices",
        f"/motions/{motion.pk}",
        f"/motions/{motion.pk}/timeline",
        "/suggestions/999999",
    ):
        error(other.get(path), 404, "not_found")
    error(other.post(f"/suggestions/{suggestion.pk}/close", {"comment": "越权"}), 404, "not_found")
    error(other.post(f"/motions/{motion.pk}/review", {"opinion": "越权审查"}), 404, "not_found")
    error(other.patch(f"/suggestions/{suggestion.pk}", {"title": "越权修改"}), 404, "not_found")
    assert ok(other.get("/suggestions", {"status": "all"}))["count"] == 0
    assert ok(other.get("/motions", {"status": "all"}))["count"] == 0
    assert ok(api["pref_officer"].get("/suggestions"))["count"] == 1  # the prefecture sees its counties
    assert ok(api["zhao"].get("/suggestions", {"status": "all"}))["count"] == 0  # not on its list
    assert ok(api["edu_unit"].get("/suggestions"))["count"] == 1
    assert ok(api["other_unit"].get("/suggestions"))["count"] == 0

    anonymous = client.get(API + "/suggestions")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
    assert client.get(API + f"/suggestions/{suggestion.pk}").status_code == 401
    error(api["nobody"].get("/suggestions"), 403, "permission_denied")
    client.force_login(pw.users["officer"])  # a logged-in browser session counts as well
    assert client.get(API + f"/suggestions/{suggestion.pk}").status_code == 200


def test_list_filters_and_pages(api, pw):
    first = pw.registered()
    second, _rows = pw.assigned(lead="zhang", co=())
    third = pw.submitted(lead="wang", timing="session", session=pw.session)
    officer = api["officer"]
    page = ok(officer.get("/suggestions", {"page_size": 2}))
    assert page["count"] == 3 and len(page["items"]) == 2 and page["has_next"]
    assert [i["id"] for i in page["items"]] == [third.pk, second.pk]
    assert ok(officer.get("/suggestions", {"page": 2, "page_size": 2}))["items"][0]["id"] == first.pk
    assert [i["id"] for i in ok(officer.get("/suggestions", {"status": "assigned"}))["items"]] == [second.pk]
    assert ok(officer.get("/suggestions", {"status": "assigned"}))["items"][0]["lead_unit"]["name"] == "甲一县教育局"
    assert [i["id"] for i in ok(officer.get("/suggestions", {"timing": "session"}))["items"]] == [third.pk]
    assert [i["id"] for i in ok(officer.get("/suggestions", {"unit": pw.units["county_edu"].pk}))["items"]] == [
        second.pk
    ]
    assert [i["id"] for i in ok(officer.get("/suggestions", {"q": "1", "sort": "number"}))["items"]] == [first.pk]
    assert ok(officer.get("/suggestions", {"region": pw.w.regions["county2"].pk}))["count"] == 0
    assert ok(api["li"].get("/suggestions", {"mine": "true"}))["count"] == 1
    error(officer.get("/suggestions", {"status": "nonsense"}), 400, "invalid")
    error(officer.get("/suggestions", {"sort": "random"}), 400, "invalid")
    error(officer.get("/suggestions", {"region": 999999}), 400, "invalid")
    assert officer.get("/suggestions", {"page_size": 1000}).status_code == 422


def test_the_list_takes_the_same_number_of_queries_for_more_rows(api, pw):
    officer = api["officer"]
    pw.assigned()
    pw.submitted(lead="zhang")
    ok(officer.get("/suggestions"))  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert ok(officer.get("/suggestions"))["count"] == 2
    for lead in ("wang", "zhao", "chen"):
        pw.assigned(lead=lead)
    pw.registered(lead="li")
    with CaptureQueriesContext(connection) as many:
        body = ok(officer.get("/suggestions"))
    assert body["count"] == 6 and {i["lead_unit"]["name"] for i in body["items"] if i["lead_unit"]} == {"甲一县教育局"}
    assert len(many) == len(few)
    pw.motion_submitted()
    with CaptureQueriesContext(connection) as one:
        assert ok(officer.get("/motions"))["count"] == 1
    pw.motion_submitted(title="关于加强农村饮用水源保护的议案")
    with CaptureQueriesContext(connection) as two:
        assert ok(officer.get("/motions"))["count"] == 2
    assert len(one) == len(two)
    queue_rows = Assignment.objects.filter(unit=pw.units["county_edu"]).count()
    ok(api["edu_unit"].get("/unit/assignments"))  # the token's first use
    with CaptureQueriesContext(connection) as queue:
        assert ok(api["edu_unit"].get("/unit/assignments"))["count"] == queue_rows
    pw.assigned(lead="zhang")
    with CaptureQueriesContext(connection) as more:
        assert ok(api["edu_unit"].get("/unit/assignments"))["count"] == queue_rows + 1
    assert len(queue) == len(more)


def test_the_openapi_document_describes_the_proposals_part(client):
    doc = client.get("/api/openapi.json").json()
    paths = [p for p in doc["paths"] if p.startswith("/api/proposals/")]
    for expected in (
        "/api/proposals/suggestions",
        "/api/proposals/suggestions/{suggestion_id}/assign",
        "/api/proposals/motions/{motion_id}/convert",
        "/api/proposals/assignments/{assignment_id}/reply",
        "/api/proposals/overdue",
    ):
        assert expected in paths
    reply = doc["paths"]["/api/proposals/assignments/{assignment_id}/reply"]["post"]
    assert "multipart/form-data" in reply["requestBody"]["content"]


def test_every_step_leaves_a_timeline_entry_and_an_audit_record(api, pw):
    suggestion = pw.submitted()
    before = AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(suggestion.pk)).count()
    ok(api["officer"].post(f"/suggestions/{suggestion.pk}/register", {"comment": "符合要求"}))
    event = Event.objects.filter(suggestion=suggestion).latest("id")
    assert event.action == "register" and event.actor == pw.users["officer"] and event.comment == "符合要求"
    assert AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(suggestion.pk)).count() == before + 1


def test_ids_beyond_any_row_are_answered_never_a_500(api, pw):
    huge = 10**30
    suggestion = pw.submitted()
    officer = api["officer"]
    error(officer.get(f"/suggestions/{huge}"), 404, "not_found")
    error(officer.get(f"/motions/{huge}"), 404, "not_found")
    error(officer.post(f"/suggestions/{huge}/register"), 404, "not_found")
    error(api["edu_unit"].get(f"/assignments/{huge}"), 404, "not_found")
    error(officer.post(f"/extensions/{huge}/decide", {"approve": True, "explanation": "同意"}), 404, "not_found")
    error(officer.post(f"/commitments/{huge}/fulfil", {"note": "已完成"}), 404, "not_found")
    assert ok(officer.get("/suggestions", {"congress": 2**63 - 1}))["count"] == 0
    for query in ({"congress": huge}, {"unit": huge}, {"region": huge}, {"session": 0}):
        assert officer.get("/suggestions", query).status_code == 422
        assert officer.get("/motions", query).status_code == 422
    error(officer.post(f"/suggestions/{suggestion.pk}/register", {"version": huge}), 409, "proposal_changed")
    for body in (
        {"congress_id": huge, "title": TITLE, "text": TEXT},
        {"congress_id": pw.congress.pk, "title": TITLE, "text": TEXT, "opinion_ids": [huge]},
        {"congress_id": pw.congress.pk, "title": TITLE, "text": TEXT, "category_id": -1},
    ):
        response = api["li"].post("/suggestions", body)
        assert response.status_code == 422 and response.json()["code"] == "invalid"
    draft = pw.draft(lead="zhang")
    assert api["zhang"].post(f"/suggestions/{draft.pk}/signers", {"person_ids": [huge]}).status_code == 422
    error(api["zhang"].delete(f"/suggestions/{draft.pk}/signers/{huge}"), 404, "not_found")
    assert not Suggestion.objects.filter(lead=pw.persons["li"], status="draft").exists()
