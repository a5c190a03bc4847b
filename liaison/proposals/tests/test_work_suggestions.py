"""The suggestions workspace (/work/proposals/): the list with its filters and tabs for each role, a
deputy's new suggestion (from opinions, with co-signers picked through htmx), the draft's edit form,
one suggestion's page with the forms of the steps the user may take now — each step through its form
by the right person, refused to the wrong one, answered plainly in the wrong state or when someone
else acted first, with form errors (never a 500) for bad input — reply documents through a checked
view, the overdue board, the workspace's front-page cards and menu, and the number of queries of
the list and the page, which does not grow with the rows."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.core.models import AuditLog
from liaison.opinions import services as opinion_services
from liaison.opinions.models import Opinion
from liaison.proposals import exceptions as errors
from liaison.proposals import handling, services
from liaison.proposals.models import Assignment, Event, Extension, Signer, Suggestion
from liaison.stations.tests.conftest import pdf_bytes

from .conftest import TEXT, TITLE
from .test_handling import docx_bytes

pytestmark = pytest.mark.django_db
S = Suggestion.Status
LIST = "/work/proposals/"
NEW = "/work/proposals/new/"


def page(pk) -> str:
    return f"/work/proposals/{pk}/"


def step_url(pk, action: str) -> str:
    return f"/work/proposals/{pk}/{action.replace('_', '-')}/"


def step_ids(response) -> set[str]:
    return set(re.findall(r'id="step-([a-z_]+)"', response.content.decode()))


def text_of(response) -> str:
    return response.content.decode()


def login(client, pw, who: str):
    client.force_login(pw.users[who])
    return client


def fresh(suggestion: Suggestion) -> Suggestion:
    return Suggestion.objects.get(pk=suggestion.pk)


def post_step(client, suggestion: Suggestion, action: str, **data):
    data.setdefault("version", fresh(suggestion).version)
    return client.post(step_url(suggestion.pk, action), data)


def received_opinion(pw, who: str = "li", text: str = "村口道路坑洼不平，雨天积水严重，群众出行困难。") -> Opinion:
    """An opinion a deputy heard and registered themself (so it was received by them)."""
    opinion, _secret = opinion_services.opinion_submit(
        actor=pw.users[who],
        channel=Opinion.Channel.VISIT,
        region=pw.w.regions["county"],
        text=text,
        received_by=pw.persons[who],
    )
    return opinion


# --- the list ---------------------------------------------------------------------------------------


def test_list_access_by_role(client, pw):
    assert client.get(LIST).status_code == 302  # anonymous → log in
    for who, status in {
        "li": 200,
        "officer": 200,
        "leader": 200,
        "edu_unit": 200,
        "nobody": 403,
        "auditor": 403,
        "sysadmin": 403,
    }.items():
        login(client, pw, who)
        assert client.get(LIST).status_code == status, who


def test_the_list_shows_each_role_its_own(client, pw):
    mine = pw.submitted("li", title="李代表关于中小学课后服务的建议")
    draft = pw.draft("zhang", title="张代表尚未提交的草稿建议")
    other = pw.submitted("zhang", title="张代表关于农村饮水安全的建议")
    login(client, pw, "li")
    body = text_of(client.get(LIST))
    assert mine.title in body and other.title not in body and draft.title not in body
    login(client, pw, "officer")
    body = text_of(client.get(LIST))
    assert mine.title in body and other.title in body
    assert draft.title not in body  # a draft stays the deputies' own
    login(client, pw, "other_officer")
    body = text_of(client.get(LIST))
    assert mine.title not in body and other.title not in body
    login(client, pw, "pref_officer")  # the prefecture covers the county
    assert mine.title in text_of(client.get(LIST))


def test_office_tabs_filters_and_sorting(client, pw):
    waiting = pw.submitted("li", title="等待登记的建议")
    handled, _rows = pw.assigned("zhang", title="正在办理的建议")
    key = pw.registered("wang", title="重点督办的建议")
    services.suggestion_key_supervision(
        actor=pw.users["leader"], suggestion_id=key.pk, organ=pw.committee, comment="列为重点督办"
    )
    login(client, pw, "officer")
    body = text_of(client.get(LIST + "?status=submitted&sort=oldest"))
    assert waiting.title in body and handled.title not in body
    assert 'aria-current="page" href="/work/proposals/?status=submitted' in body  # the "to register" tab
    body = text_of(client.get(LIST + "?status=handling&sort=deadline"))
    assert handled.title in body and waiting.title not in body
    body = text_of(client.get(LIST + "?key=1"))
    assert key.title in body and waiting.title not in body
    body = text_of(client.get(LIST + "?q=等待"))
    assert waiting.title in body and handled.title not in body
    body = text_of(client.get(LIST + f"?q={fresh(key).number}&status=all"))
    assert key.title in body
    body = text_of(client.get(LIST + "?timing=session"))
    assert waiting.title not in body  # all of them are interim
    body = text_of(client.get(LIST + f"?congress={pw.congress.pk}&term={pw.term.pk}"))
    assert waiting.title in body and 'name="session"' in body
    body = text_of(client.get(LIST + f"?congress={pw.congress.pk}&session={pw.session.pk}"))
    assert waiting.title not in body
    body = text_of(client.get(LIST + "?overdue=1"))
    assert handled.title not in body  # not overdue yet


def test_bad_list_parameters_are_ignored_never_a_crash(client, pw):
    pw.submitted("li")
    login(client, pw, "officer")
    for query in (
        "?status=nonsense",
        "?congress=abc&term=x&session=-1",
        "?page=zzz",
        "?page=99999",
        "?sort=;drop",
        "?timing=never",
        "?q=" + "长" * 300,
        "?congress=99999999999999",
    ):
        assert client.get(LIST + query).status_code == 200, query


def test_deputy_tabs_mine_and_invitations(client, pw):
    invited = pw.draft("li", title="请张代表联名的建议")
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=invited.pk, persons=[pw.persons["zhang"]])
    login(client, pw, "zhang")
    body = text_of(client.get(LIST))
    assert invited.title in body  # zhang was asked: it is on his list
    assert 'badge text-bg-danger rounded-pill">1<' in body
    body = text_of(client.get(LIST + "?tab=cosign"))
    assert invited.title in body and page(invited.pk) in body
    login(client, pw, "wang")
    assert client.get(LIST + "?tab=cosign").context["invitations"] == []


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _list_rows(pw, start: int, end: int) -> None:
    for i in range(start, end):
        if i % 3 == 0:
            pw.assigned("li", title=f"第{i}条建议：学校周边交通安全")
        elif i % 3 == 1:
            pw.registered("zhang", title=f"第{i}条建议：农村供水")
        else:
            pw.submitted("wang", title=f"第{i}条建议：养老服务")


def test_list_query_count_does_not_grow_with_the_rows(client, pw, django_assert_num_queries):
    office_url = LIST + f"?status=all&sort=deadline&congress={pw.congress.pk}&term={pw.term.pk}"
    deputy_url = LIST + "?status=all"
    _list_rows(pw, 0, 3)
    counts = {}
    for who, url in (("officer", office_url), ("li", deputy_url)):
        login(client, pw, who)
        client.get(LIST)  # session warm-up
        counts[who] = _queries(client, url)
    # the officer: session, user, roles, count, rows (with congress, term, session, lead, category),
    # the congress menu, its terms and sessions, the notification badge
    assert counts["officer"] <= 12, counts
    _list_rows(pw, 3, 27)
    for who, url in (("officer", office_url), ("li", deputy_url)):
        login(client, pw, who)
        client.get(LIST)
        with django_assert_num_queries(counts[who]):
            response = client.get(url)
        assert len(response.context["rows"]) == (27 if who == "officer" else 9)


# --- a new suggestion -------------------------------------------------------------------------------


def test_only_deputies_draft(client, pw):
    for who in ("officer", "leader", "edu_unit"):
        login(client, pw, who)
        assert client.get(NEW).status_code == 403, who
        assert client.post(NEW, {"title": TITLE}).status_code == 403, who


def test_new_form_starts_from_an_opinion_and_drafts_with_cosigners(client, pw):
    first = received_opinion(pw)
    second = received_opinion(pw, text="村里路灯损坏多年无人维修，夜间出行存在安全隐患。")
    login(client, pw, "li")
    response = client.get(NEW + f"?opinion={first.pk}")
    assert response.status_code == 200
    body = text_of(response)
    assert re.search(rf'value="{first.pk}"[^>]*checked|checked[^>]*value="{first.pk}"', body)
    assert f'value="{second.pk}"' in body  # the deputy's other opinions are offered
    assert 'name="persons"' in body and pw.persons["zhang"].name in body  # the picker's first candidates
    assert pw.persons["li"].name not in re.findall(r'id="cosigner-options".*', body, re.S)[0].split("</div>")[0]
    response = client.post(
        NEW,
        {
            "congress": pw.congress.pk,
            "timing": "interim",
            "title": TITLE,
            "text": TEXT,
            "opinions": [first.pk, second.pk],
            "persons": [pw.persons["zhang"].pk, pw.persons["wang"].pk],
            "disclosure_agreed": "on",
        },
    )
    suggestion = Suggestion.objects.get(title=TITLE)
    assert response.status_code == 302 and response["Location"] == page(suggestion.pk)
    assert suggestion.status == S.DRAFT and suggestion.lead == pw.persons["li"] and suggestion.disclosure_agreed
    assert set(suggestion.opinions.values_list("pk", flat=True)) == {first.pk, second.pk}
    invited = dict(suggestion.signers.values_list("person_id", "status"))
    assert invited[pw.persons["zhang"].pk] == Signer.Status.INVITED
    assert invited[pw.persons["wang"].pk] == Signer.Status.INVITED
    assert Event.objects.filter(suggestion=suggestion, action="invite").exists()


def test_new_form_bad_input_comes_back_as_form_errors(client, pw):
    login(client, pw, "li")
    base = {"congress": pw.congress.pk, "timing": "interim", "title": TITLE, "text": TEXT}
    cases = [
        ({"title": ""}, "title"),
        ({"text": "太短"}, "text"),
        ({"congress": "abc"}, "congress"),
        ({"congress": pw.w.congresses["county2"].pk}, "congress"),  # not a congress of theirs
        ({"timing": "session"}, "session"),  # a session suggestion without the session
        ({"timing": "whenever"}, "timing"),
        ({"persons": [pw.persons["sun"].pk]}, "persons"),  # a deputy of another county's congress
        ({"persons": [pw.persons["zhou"].pk]}, "persons"),  # whose mandate ended
        ({"persons": ["x"]}, "persons"),
        ({"opinions": ["99999"]}, "opinions"),
        ({"category": "99999"}, "category"),
    ]
    for change, field in cases:
        response = client.post(NEW, {**base, **change})
        assert response.status_code == 400, change
        assert response.context["form"].errors.get(field), (change, response.context["form"].errors)
    assert not Suggestion.objects.exists()
    # a deputy of another county's congress is named in the message
    response = client.post(NEW, {**base, "persons": [pw.persons["sun"].pk]})
    assert pw.persons["sun"].name in str(response.context["form"].errors["persons"])


def test_session_suggestion_through_the_form(client, pw):
    login(client, pw, "li")
    response = client.get(NEW)
    assert response.context["form"].initial.get("timing") == "session"  # the session's notice went out
    response = client.post(
        NEW, {"congress": pw.congress.pk, "timing": "session", "session": pw.session.pk, "title": TITLE, "text": TEXT}
    )
    assert response.status_code == 302
    assert Suggestion.objects.get().session == pw.session


def test_cosigner_picker_searches_and_keeps_the_chosen(client, pw):
    login(client, pw, "li")
    url = "/work/proposals/cosigners/"
    body = text_of(client.get(url, {"congress": pw.congress.pk, "q": "张"}, HTTP_HX_REQUEST="true"))
    assert pw.persons["zhang"].name in body and pw.persons["wang"].name not in body
    body = text_of(client.get(url, {"congress": pw.congress.pk, "q": "王", "persons": [pw.persons["zhang"].pk]}))
    assert re.search(rf'value="{pw.persons["zhang"].pk}"[^>]*checked', body)  # still ticked
    assert pw.persons["wang"].name in body
    assert pw.persons["zhou"].name not in text_of(client.get(url, {"congress": pw.congress.pk, "q": "周"}))
    assert pw.persons["li"].name not in text_of(client.get(url, {"congress": pw.congress.pk, "q": "李"}))
    # a congress the deputy does not serve in offers nobody; a bad id neither crashes
    assert pw.persons["sun"].name not in text_of(client.get(url, {"congress": pw.w.congresses["county2"].pk}))
    assert client.get(url, {"congress": "abc", "persons": ["x", "1"]}).status_code == 200
    # for a draft: those already on the list are not offered again
    draft = pw.draft("li", cosigners=("zhang",))
    body = text_of(client.get(url, {"suggestion": draft.pk, "q": ""}))
    assert pw.persons["zhang"].name not in body and pw.persons["wang"].name in body
    login(client, pw, "wang")  # someone else's draft: not found
    assert client.get(url, {"suggestion": draft.pk}).status_code == 404
    login(client, pw, "officer")
    assert client.get(url, {"congress": pw.congress.pk}).status_code == 403


# --- the draft --------------------------------------------------------------------------------------


def test_edit_the_draft(client, pw):
    draft = pw.draft("li", cosigners=("zhang",))
    login(client, pw, "li")
    url = f"/work/proposals/{draft.pk}/edit/"
    response = client.get(url)
    assert response.status_code == 200 and pw.persons["zhang"].name in text_of(response)  # asked again if changed
    data = {"version": draft.version, "timing": "interim", "title": "修改后的标题：县城交通", "text": TEXT}
    assert client.post(url, {**data, "title": ""}).status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    draft = fresh(draft)
    assert draft.title == "修改后的标题：县城交通"
    assert draft.signers.get(person=pw.persons["zhang"]).status == Signer.Status.INVITED  # asked again
    # the same form again: someone (here the lead in another tab) saved in between
    response = client.post(url, {**data, "title": "另一个标题"})
    assert response.status_code == 409
    assert response.context["form"]["title"].value() == "另一个标题"  # what was typed is kept
    assert fresh(draft).title == "修改后的标题：县城交通"
    login(client, pw, "zhang")  # an invitee reads but does not edit
    assert client.get(url).status_code == 403
    login(client, pw, "wang")
    assert client.get(url).status_code == 404
    services.suggestion_confirm(actor=pw.users["zhang"], suggestion_id=draft.pk)
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=draft.pk)
    login(client, pw, "li")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == page(draft.pk)


# --- one suggestion: who sees it ---------------------------------------------------------------------


def test_page_access_by_role_and_scope(client, pw):
    draft = pw.draft("li", cosigners=())
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=draft.pk, persons=[pw.persons["zhang"]])
    url = page(draft.pk)
    assert client.get(url).status_code == 302
    for who, status in {"li": 200, "zhang": 200, "wang": 404, "officer": 404, "leader": 404, "nobody": 403}.items():
        login(client, pw, who)
        assert client.get(url).status_code == status, who
    suggestion, _rows = pw.assigned("wang")
    url = page(suggestion.pk)
    for who, status in {
        "wang": 200,
        "officer": 200,
        "pref_officer": 200,
        "leader": 200,
        "edu_unit": 200,  # its lead unit
        "gov_unit": 200,  # its co-unit
        "other_unit": 404,
        "other_officer": 404,
        "li": 404,
    }.items():
        login(client, pw, who)
        assert client.get(url).status_code == status, who
    login(client, pw, "officer")
    assert client.get("/work/proposals/999999/").status_code == 404
    response = client.get(f"/work/proposals/suggestions/{suggestion.pk}/")  # the notifications' address
    assert response.status_code == 302 and response["Location"] == url


def test_each_role_sees_its_own_steps(client, pw):
    draft = pw.draft("li")
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=draft.pk, persons=[pw.persons["zhang"]])
    login(client, pw, "li")
    assert step_ids(client.get(page(draft.pk))) == {"invite", "remove_signer", "discard", "submit", "agree_disclosure"}
    login(client, pw, "zhang")
    response = client.get(page(draft.pk))
    assert step_ids(response) == {"confirm", "decline"}
    assert 'id="step-confirm" open' in text_of(response)
    submitted = pw.submitted("wang")
    login(client, pw, "officer")
    assert step_ids(client.get(page(submitted.pk))) == {"register", "refuse"}
    login(client, pw, "leader")
    assert step_ids(client.get(page(submitted.pk))) == set()
    assigned, _rows = pw.assigned("zhao")
    assert step_ids(client.get(page(assigned.pk))) == {"key_supervision"}
    login(client, pw, "officer")
    assert step_ids(client.get(page(assigned.pk))) == {"reassign"}
    login(client, pw, "edu_unit")
    response = client.get(page(assigned.pk))
    assert step_ids(response) == set() and "/work/proposals/units/" in text_of(response)


# --- one suggestion: the steps through their forms ---------------------------------------------------


def test_cosigning_and_submitting_through_the_page(client, pw):
    draft = pw.draft("li")
    login(client, pw, "li")
    response = post_step(client, draft, "invite", persons=[pw.persons["zhang"].pk, pw.persons["wang"].pk])
    assert response.status_code == 302
    # submitting before the co-signers answered: a plain message naming them
    response = post_step(client, draft, "submit")
    assert response.status_code == 400
    body = text_of(response)
    assert pw.persons["zhang"].name in body and pw.persons["wang"].name in body
    assert fresh(draft).status == S.DRAFT
    login(client, pw, "zhang")
    assert post_step(client, draft, "confirm").status_code == 302
    login(client, pw, "wang")
    assert post_step(client, draft, "decline", comment="本人不熟悉此领域").status_code == 302
    assert dict(fresh(draft).signers.values_list("person_id", "status"))[pw.persons["wang"].pk] == "declined"
    login(client, pw, "li")
    wang = fresh(draft).signers.get(person=pw.persons["wang"])
    assert post_step(client, draft, "remove_signer", signer=wang.pk).status_code == 302
    assert not fresh(draft).signers.filter(person=pw.persons["wang"]).exists()
    assert post_step(client, draft, "agree_disclosure", agreed="on").status_code == 302
    assert fresh(draft).disclosure_agreed
    assert post_step(client, draft, "submit").status_code == 302
    assert fresh(draft).status == S.SUBMITTED
    assert AuditLog.objects.filter(model="proposals.Suggestion", object_id=str(draft.pk), reason="submit").exists()


def test_invite_errors_are_form_errors(client, pw):
    draft = pw.draft("li")
    login(client, pw, "li")
    for persons in ([], [pw.persons["sun"].pk], [pw.persons["li"].pk], ["abc"]):
        response = post_step(client, draft, "invite", persons=persons)
        assert response.status_code == 400, persons
        assert response.context["actions"], persons
        form = dict((a, f) for a, _label, f in response.context["actions"])["invite"]
        assert form.errors.get("persons"), (persons, form.errors)


def test_discard_the_draft(client, pw):
    draft = pw.draft("li")
    login(client, pw, "zhang")
    assert post_step(client, draft, "discard").status_code == 404  # not theirs to see
    login(client, pw, "li")
    response = post_step(client, draft, "discard")
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Suggestion.objects.filter(pk=draft.pk).exists()


def test_register_or_refuse(client, pw):
    first = pw.submitted("li")
    second = pw.submitted("zhang")
    login(client, pw, "li")
    assert post_step(client, first, "register").status_code == 403  # not the deputy's step
    login(client, pw, "officer")
    assert post_step(client, first, "register", comment="符合要求").status_code == 302
    assert fresh(first).status == S.REGISTERED and fresh(first).number == 1
    response = post_step(client, second, "refuse", reason="nonsense", explanation="")
    assert response.status_code == 400
    form = dict((a, f) for a, _label, f in response.context["actions"])["refuse"]
    assert form.errors.get("reason") and form.errors.get("explanation")
    response = post_step(
        client, second, "refuse", reason="complaint", explanation="属于信访投诉事项，请按信访渠道反映。"
    )
    assert response.status_code == 302
    second = fresh(second)
    assert second.status == S.NOT_REGISTERED and second.refusal == "complaint"
    login(client, pw, "zhang")
    body = text_of(client.get(page(second.pk)))
    assert "信访投诉事项" in body and 'id="refusal"' in body


def test_wrong_state_and_someone_else_acted(client, pw):
    submitted = pw.submitted("li")
    login(client, pw, "officer")
    seen = fresh(submitted).version
    services.suggestion_register(actor=pw.users["pref_officer"], suggestion_id=submitted.pk)  # another officer
    response = client.post(step_url(submitted.pk, "register"), {"version": seen, "comment": "我的意见"})
    assert response.status_code == 409
    assert str(errors.ItemChanged.message) in text_of(response)
    assert fresh(submitted).number == 1  # registered once
    # the current version but the wrong state: plainly "not possible now"
    response = client.post(step_url(submitted.pk, "register"), {"version": fresh(submitted).version})
    assert response.status_code == 409
    assert fresh(submitted).get_status_display() in text_of(response)
    # without a version at all: the same state check, never a crash
    assert client.post(step_url(submitted.pk, "refuse"), {}).status_code == 409
    # an unknown step
    assert client.post(f"/work/proposals/{submitted.pk}/fly/", {}).status_code == 404


def test_assign_reassign_and_decide_an_extension(client, pw):
    registered = pw.registered("li", cosigners=("zhang",))
    login(client, pw, "officer")
    response = post_step(client, registered, "assign", organ=pw.organs["other"].pk, lead_unit="x")
    assert response.status_code == 400
    form = dict((a, f) for a, _label, f in response.context["actions"])["assign"]
    assert form.errors.get("organ") and form.errors.get("lead_unit")
    response = post_step(
        client,
        registered,
        "assign",
        organ=pw.organ.pk,
        lead_unit=pw.units["county_edu"].pk,
        co_units=[pw.units["county_edu"].pk],
        assigned_on=timezone.localdate().isoformat(),
    )
    assert response.status_code == 400  # the lead unit cannot also be a co-unit
    form = dict((a, f) for a, _label, f in response.context["actions"])["assign"]
    assert form.errors.get("co_units")
    response = post_step(
        client,
        registered,
        "assign",
        organ=pw.organ.pk,
        lead_unit=pw.units["county_edu"].pk,
        co_units=[pw.units["county_gov"].pk],
        assigned_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 400  # in the future
    today = timezone.localdate()
    response = post_step(
        client,
        registered,
        "assign",
        organ=pw.organ.pk,
        lead_unit=pw.units["county_edu"].pk,
        co_units=[pw.units["county_gov"].pk],
        assigned_on=today.isoformat(),
    )
    assert response.status_code == 302
    suggestion = fresh(registered)
    assert suggestion.status == S.ASSIGNED and suggestion.deadline > today
    # the lead unit asks for more time; the office approves it with the explanation to the deputies
    lead = pw.lead_assignment(suggestion)
    wanted = suggestion.deadline + datetime.timedelta(days=30)
    handling.extension_request(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=wanted, reason="需会同多个部门调研论证"
    )
    response = client.get(page(suggestion.pk))
    assert "decide_extension" in step_ids(response) and 'id="step-decide_extension" open' in text_of(response)
    extension = Extension.objects.get(assignment=lead)
    response = post_step(client, suggestion, "decide_extension", extension=extension.pk, decision="approve")
    assert response.status_code == 400  # the explanation is required
    response = post_step(
        client,
        suggestion,
        "decide_extension",
        extension=extension.pk,
        decision="approve",
        explanation="涉及多部门协调，经常委会同意延期一个月。",
    )
    assert response.status_code == 302
    assert fresh(suggestion).deadline == wanted
    login(client, pw, "li")
    assert "涉及多部门协调" in text_of(client.get(page(suggestion.pk)))  # explained to the deputies
    # the office changes the units while it is handled
    login(client, pw, "officer")
    response = post_step(client, suggestion, "reassign", lead_unit=pw.units["county_gov"].pk, comment="")
    assert response.status_code == 400
    response = post_step(
        client, suggestion, "reassign", lead_unit=pw.units["county_gov"].pk, comment="改由县政府牵头办理"
    )
    assert response.status_code == 302
    live = Assignment.objects.filter(suggestion=suggestion, status__in=["pending", "accepted"])
    assert {(a.unit_id, a.role) for a in live} == {(pw.units["county_gov"].pk, "lead")}


def test_key_supervision_by_the_leadership(client, pw):
    suggestion, _rows = pw.assigned("li")
    login(client, pw, "officer")
    assert post_step(client, suggestion, "key_supervision", on="on", organ=pw.committee.pk).status_code == 403
    login(client, pw, "leader")
    response = post_step(client, suggestion, "key_supervision", on="on", organ=pw.organ.pk)
    assert response.status_code == 400  # the standing committee is not a special committee
    response = post_step(client, suggestion, "key_supervision", on="on", organ=pw.committee.pk, comment="民生重点")
    assert response.status_code == 302
    suggestion = fresh(suggestion)
    assert suggestion.key_supervision and suggestion.supervising_organ == pw.committee
    assert post_step(client, suggestion, "key_supervision", on="off").status_code == 302
    assert not fresh(suggestion).key_supervision


def test_rating_closing_and_publication(client, pw):
    suggestion = pw.replied("li", cosigners=("zhang",))
    login(client, pw, "wang")  # did not sign: does not even see it
    assert post_step(client, suggestion, "rate", satisfaction="satisfied").status_code == 404
    login(client, pw, "officer")  # sees it, but is no signer
    response = post_step(client, suggestion, "rate", satisfaction="satisfied")
    assert response.status_code == 403
    login(client, pw, "li")
    response = client.get(page(suggestion.pk))
    assert 'id="step-rate" open' in text_of(response)
    assert post_step(client, suggestion, "rate", satisfaction="best").status_code == 400
    assert post_step(client, suggestion, "rate", satisfaction="satisfied", comment="答复具体").status_code == 302
    response = post_step(client, suggestion, "rate", satisfaction="satisfied")
    assert response.status_code == 409  # already rated this round
    login(client, pw, "zhang")
    assert post_step(client, suggestion, "rate", satisfaction="basically").status_code == 302
    suggestion = fresh(suggestion)
    assert suggestion.status == S.EVALUATED
    body = text_of(client.get(page(suggestion.pk)))
    assert "答复具体" in body
    # publication: the lead agrees, the office publishes and withdraws it
    login(client, pw, "officer")
    assert "publish" not in step_ids(client.get(page(suggestion.pk)))  # not agreed yet
    login(client, pw, "li")
    assert post_step(client, suggestion, "agree_disclosure", agreed="on").status_code == 302
    login(client, pw, "officer")
    assert post_step(client, suggestion, "publish").status_code == 302
    assert fresh(suggestion).published_at
    assert post_step(client, suggestion, "unpublish", reason="").status_code == 400
    assert post_step(client, suggestion, "unpublish", reason="代表要求撤回公开").status_code == 302
    assert fresh(suggestion).published_at is None
    assert post_step(client, suggestion, "close").status_code == 302
    assert fresh(suggestion).status == S.CLOSED


def test_dissatisfied_sends_it_back_and_the_page_shows_both_rounds(client, pw):
    suggestion = pw.replied("li")
    login(client, pw, "li")
    assert (
        post_step(client, suggestion, "rate", satisfaction="dissatisfied", comment="没有解决实际问题").status_code
        == 302
    )
    suggestion = fresh(suggestion)
    assert suggestion.status == S.RE_HANDLING and suggestion.round == 2
    response = client.get(page(suggestion.pk))
    assert [r["round"] for r in response.context["rounds"]] == [2, 1]
    assert "没有解决实际问题" in text_of(response)


def test_reply_documents_through_a_checked_view(client, pw):
    suggestion, rows = pw.assigned("li", cosigners=("zhang",))
    co = next(a for a in rows if a.role == "co")
    co_reply = handling.assignment_co_opinion(
        actor=pw.users["gov_unit"],
        assignment_id=co.pk,
        text="县政府支持教育局的办理意见，已协调资金。",
        document=SimpleUploadedFile("协办意见.pdf", pdf_bytes()),
    )
    reply = pw.reply(suggestion, document=SimpleUploadedFile("答复函.docx", docx_bytes()))
    url = f"/work/proposals/replies/{reply.pk}/document/"
    co_url = f"/work/proposals/replies/{co_reply.pk}/document/"
    login(client, pw, "zhang")  # a signer: reads the reply, not the co-unit's working paper
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client.get(co_url).status_code == 404
    body = text_of(client.get(page(suggestion.pk)))
    assert url in body and co_url not in body and "已协调资金" not in body
    login(client, pw, "officer")
    assert client.get(co_url).status_code == 200
    assert "已协调资金" in text_of(client.get(page(suggestion.pk)))
    login(client, pw, "edu_unit")  # the lead unit reads the co-unit's opinion
    assert client.get(co_url).status_code == 200
    for who in ("other_officer", "other_unit", "wang"):
        login(client, pw, who)
        assert client.get(url).status_code == 404, who
    login(client, pw, "officer")
    assert client.get("/work/proposals/replies/999999/document/").status_code == 404


def _handled(pw, cosigners, *, contacts: int = 1) -> Suggestion:
    """A suggestion assigned to a lead and a co-unit, with contacts, a class B reply with commitments and
    every signer's rating."""
    suggestion, _rows = pw.assigned("li", cosigners=cosigners)
    lead = pw.lead_assignment(suggestion)
    handling.assignment_accept(actor=pw.users["edu_unit"], assignment_id=lead.pk)
    for i in range(contacts):
        handling.assignment_contact_add(
            actor=pw.users["edu_unit"],
            assignment_id=lead.pk,
            kind="phone",
            date=timezone.localdate(),
            note=f"第{i + 1}次电话沟通办理思路",
        )
    pw.reply(suggestion, answer_class="B", commitments=["明年建成两处停车场", "完善信号灯配时"][: 1 + contacts % 2])
    for name in ("li", *cosigners):
        services.suggestion_rate(actor=pw.users[name], suggestion_id=suggestion.pk, satisfaction="satisfied")
    return fresh(suggestion)


def test_page_query_count_does_not_grow_with_signers_steps_and_replies(client, pw, django_assert_num_queries):
    small = _handled(pw, ("zhang",), contacts=1)
    large = _handled(pw, ("zhang", "wang", "zhao", "chen"), contacts=4)
    assert Event.objects.filter(suggestion=large).count() > Event.objects.filter(suggestion=small).count()
    for who in ("officer", "li", "leader"):
        login(client, pw, who)
        client.get(page(small.pk))
        n = _queries(client, page(small.pk))
        # session, user, roles, the suggestion with its signers, assignments, replies, commitments,
        # contacts, extensions, ratings, opinions; the timeline; the step forms' menus; the badge
        assert n <= 20, (who, n)
        with django_assert_num_queries(n):
            assert client.get(page(large.pk)).status_code == 200


# --- the overdue board ------------------------------------------------------------------------------


def test_overdue_board(client, pw):
    late, _rows = pw.assigned("li", title="关于村道修复迟迟未办的建议")
    on_time, _rows = pw.assigned("zhang", title="关于学校食堂按期整改的建议")
    # three months and more went by for the first one (the clock is not moved: the dates are)
    past = timezone.localdate() - datetime.timedelta(days=5)
    Assignment.objects.filter(suggestion=late).update(deadline=past)
    Suggestion.objects.filter(pk=late.pk).update(deadline=past)
    url = "/work/proposals/overdue/"
    for who, status in {"officer": 200, "leader": 200, "pref_officer": 200, "li": 403, "edu_unit": 403}.items():
        login(client, pw, who)
        assert client.get(url).status_code == status, who
    login(client, pw, "officer")
    body = text_of(client.get(url))
    assert late.title in body and on_time.title not in body
    assert pw.units["county_edu"].name in body and pw.units["county_gov"].name in body
    assert "window.print()" in body
    login(client, pw, "other_officer")  # another county's office: its own board, without this one
    assert late.title not in text_of(client.get(url))
    login(client, pw, "officer")
    assert late.title in text_of(client.get(LIST + "?overdue=1"))


# --- the front page, the menu, the opinion's button ---------------------------------------------------


def test_front_page_cards_and_menu(client, pw):
    pw.submitted("li")
    draft = pw.draft("zhang")
    services.suggestion_invite(actor=pw.users["zhang"], suggestion_id=draft.pk, persons=[pw.persons["li"]])
    login(client, pw, "officer")
    body = text_of(client.get("/work/"))
    assert 'id="proposals-cards"' in body and "/work/proposals/?status=submitted" in body
    assert 'href="/work/proposals/"' in body  # the menu entry
    login(client, pw, "li")
    response = client.get("/work/")
    body = text_of(response)
    assert "/work/proposals/?tab=cosign" in body and 'href="/work/proposals/"' in body
    login(client, pw, "edu_unit")
    assert 'href="/work/proposals/"' in text_of(client.get("/work/"))
    login(client, pw, "sysadmin")
    body = text_of(client.get("/work/"))
    assert 'id="proposals-cards"' not in body and 'href="/work/proposals/"' not in body


def test_the_opinion_page_offers_to_take_it_up(client, pw):
    opinion = received_opinion(pw)
    login(client, pw, "li")
    body = text_of(client.get(f"/work/opinions/{opinion.pk}/"))
    assert f"/work/proposals/new/?opinion={opinion.pk}" in body
    login(client, pw, "officer")
    assert f"/work/proposals/new/?opinion={opinion.pk}" not in text_of(client.get(f"/work/opinions/{opinion.pk}/"))


def test_english_interface(client, pw):
    suggestion = pw.submitted("li")
    login(client, pw, "officer")
    client.cookies["liaison_language"] = "en"
    body = text_of(client.get(page(suggestion.pk)))
    assert "Next steps" in body and "register" in body.lower()
    client.cookies["liaison_language"] = "zh-hans"
    body = text_of(client.get(page(suggestion.pk)))
    assert "登记" in body
