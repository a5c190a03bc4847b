"""The public disclosure of suggestions on the portal (003 §84): /suggestions/ and /suggestions/<id>/
show only what the office published with the deputies' agreement — title, number, congress and
session, the deputies, the text, the reply's class and text, the units, commitments — with search and
pages and without personal data of citizens; and the citizen whose opinion was taken up sees it on the
tracking page, with a link once the suggestion is published."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.opinions import services as opinion_services
from liaison.opinions.models import Opinion
from liaison.proposals import disclosure, handling, public_views, services
from liaison.proposals.models import Reply, Suggestion

from .conftest import REPLY, TEXT, TITLE

pytestmark = pytest.mark.django_db
LIST = "/suggestions/"
CITIZEN = "刘群众"
CITIZEN_PHONE = "13912345678"


def published(pw, lead: str = "li", cosigners=("zhang",), answer_class: str = "A", **kwargs) -> Suggestion:
    """A suggestion taken through the services to rated, agreed by the deputies and published."""
    suggestion, _rows = pw.assigned(lead, cosigners, **kwargs)
    commitments = ["年底前完成主干道信号灯改造"] if answer_class == "B" else ()
    pw.reply(suggestion, answer_class=answer_class, commitments=commitments)
    for name in (lead, *cosigners):
        services.suggestion_rate(actor=pw.users[name], suggestion_id=suggestion.pk, satisfaction="satisfied")
    services.suggestion_agree_disclosure(actor=pw.users[lead], suggestion_id=suggestion.pk)
    return services.suggestion_publish(actor=pw.users["officer"], suggestion_id=suggestion.pk)


def opinion_received_by(pw, person) -> Opinion:
    opinion, _secret = opinion_services.opinion_submit(
        actor=pw.users["officer"],
        channel="visit",
        region=pw.w.regions["county"],
        text="县城主干道每天早上堵车一个多小时，希望政府想想办法。",
        received_by=person,
        name=CITIZEN,
        phone=CITIZEN_PHONE,
    )
    return opinion


def test_the_list_shows_published_suggestions_with_their_replies(client, pw):
    shown = published(pw, answer_class="B")
    handled, _rows = pw.assigned(lead="wang")  # being handled, not published
    agreed_only = pw.draft(lead="zhao", title="关于增设县城公共厕所的建议")
    services.suggestion_agree_disclosure(actor=pw.users["zhao"], suggestion_id=agreed_only.pk)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert TITLE in page and shown.label in page
    assert "李代表" in page and "张代表" in page
    assert disclosure.sitting(shown) in page  # the congress, term and session (or the interim)
    assert str(Reply.AnswerClass.B.label) in page  # the reply's class
    assert "甲一县教育局" in page  # the lead unit
    assert f'href="/suggestions/{shown.pk}/"' in page
    assert f"/suggestions/{handled.pk}/" not in page and "增设县城公共厕所" not in page
    assert client.get(f"/suggestions/{handled.pk}/").status_code == 404
    assert client.get(f"/suggestions/{agreed_only.pk}/").status_code == 404
    assert client.get("/suggestions/999999/").status_code == 404


def test_the_detail_page_shows_the_text_reply_units_deputies_and_commitments(client, pw):
    suggestion = published(pw, answer_class="B")
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert TITLE in page and TEXT in page and REPLY in page
    assert suggestion.label in page and disclosure.sitting(suggestion) in page
    assert "年底前完成主干道信号灯改造" in page  # the commitment of the B reply, still open
    assert "甲一县教育局" in page and "甲一县人民政府" in page  # lead and co-unit
    for key in ("li", "zhang"):
        assert f'href="/deputies/{pw.persons[key].pk}/"' in page
    english = client.get(f"/suggestions/{suggestion.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reply" in english and "What the unit committed to" in english and "lead unit" in english


def test_a_fulfilled_commitment_and_an_ended_agreement(client, pw):
    suggestion = published(pw, answer_class="B")
    reply = Reply.objects.get(assignment__suggestion=suggestion, kind="answer")
    commitment = reply.commitments.get()
    handling.commitment_fulfil(actor=pw.users["edu_unit"], commitment_id=commitment.pk, note="已全部完成")
    english = client.get(f"/suggestions/{suggestion.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fulfilled" in english and "in progress" not in english
    # the deputies withdraw their agreement: it leaves the portal at once
    services.suggestion_agree_disclosure(actor=pw.users["li"], suggestion_id=suggestion.pk, agreed=False)
    assert client.get(f"/suggestions/{suggestion.pk}/").status_code == 404
    assert TITLE not in client.get(LIST).content.decode()


def test_no_personal_data_of_citizens(client, pw):
    mine = opinion_received_by(pw, pw.persons["li"])
    text = f"{CITIZEN}反映县城主干道拥堵，联系电话{CITIZEN_PHONE}，身份证号110101199003071234。建议优化信号灯配时。"
    suggestion = published(pw, cosigners=(), text=text, opinion_ids=[mine.pk])
    for path in (LIST, f"/suggestions/{suggestion.pk}/"):
        page = client.get(path).content.decode()
        assert CITIZEN not in page and CITIZEN_PHONE not in page and "110101199003071234" not in page
        assert mine.tracking_code not in page
    detail = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "刘**" in detail and "建议优化信号灯配时" in detail


def test_search_congress_and_pages(client, pw, monkeypatch):
    first = published(pw, cosigners=())
    second = published(pw, lead="zhang", cosigners=(), title="关于整治县城占道经营的建议")
    third = published(pw, lead="wang", cosigners=(), title="关于加强校园周边交通安全的建议")
    page = client.get(LIST, {"q": "占道经营"}).content.decode()
    assert "整治县城占道经营" in page and TITLE not in page
    by_text = client.get(LIST, {"q": "信号灯配时"}).content.decode()  # words of the text
    assert TITLE in by_text
    by_number = client.get(LIST, {"q": str(first.number)}).content.decode()
    assert f"/suggestions/{first.pk}/" in by_number
    assert "/suggestions/" in client.get(LIST, {"congress": pw.congress.pk}).content.decode()
    other = client.get(LIST, {"congress": pw.w.congresses["county2"].pk}).content.decode()
    assert TITLE not in other and "甲二县" in other
    assert client.get(LIST, {"congress": "x", "page": "abc"}).status_code == 200
    assert client.get(LIST, {"congress": "9" * 30, "page": "9" * 30}).status_code == 200
    assert client.get("/suggestions/" + "9" * 30 + "/").status_code == 404

    monkeypatch.setattr(public_views, "PAGE_SIZE", 2)
    one = client.get(LIST).content.decode()
    assert f"/suggestions/{third.pk}/" in one and f"/suggestions/{second.pk}/" in one
    assert f"/suggestions/{first.pk}/" not in one and 'rel="next"' in one
    two = client.get(LIST, {"page": 2}).content.decode()
    assert f"/suggestions/{first.pk}/" in two and 'rel="prev"' in two


def test_the_list_takes_the_same_number_of_queries_for_more_rows(client, pw):
    published(pw)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for lead in ("wang", "zhao", "chen"):
        published(pw, lead=lead, cosigners=())
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST).content.decode()
    assert page.count('href="/suggestions/') >= 4
    assert len(many) == len(few)


def test_the_portal_navigation_links_the_suggestions(client, pw):
    home = client.get("/").content.decode()
    assert 'href="/suggestions/"' in home
    assert "代表建议" in client.get(LIST).content.decode()


def test_the_citizen_sees_the_matter_taken_up_and_the_published_suggestion(client, pw):
    mine = opinion_received_by(pw, pw.persons["li"])
    track = f"/track/{mine.tracking_code}/"
    draft = pw.draft(opinion_ids=[mine.pk])
    assert str(Opinion.Status.CONVERTED.label) not in client.get(track).content.decode()  # a draft promises nothing
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=draft.pk)
    page = client.get(track).content.decode()
    assert str(Opinion.Status.CONVERTED.label) in page  # "taken up as a deputy's suggestion"
    assert f"/suggestions/{draft.pk}/" not in page  # not published yet: no link

    services.suggestion_register(actor=pw.users["officer"], suggestion_id=draft.pk)
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=draft.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    pw.reply(Suggestion.objects.get(pk=draft.pk))
    services.suggestion_rate(actor=pw.users["li"], suggestion_id=draft.pk, satisfaction="satisfied")
    services.suggestion_agree_disclosure(actor=pw.users["li"], suggestion_id=draft.pk)
    services.suggestion_publish(actor=pw.users["officer"], suggestion_id=draft.pk)
    page = client.get(track).content.decode()
    assert f'href="/suggestions/{draft.pk}/"' in page and "查看建议及答复" in page
    english = client.get(track, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "See the suggestion and its reply" in english
    services.suggestion_unpublish(actor=pw.users["officer"], suggestion_id=draft.pk, reason="代表要求暂缓公开")
    assert f"/suggestions/{draft.pk}/" not in client.get(track).content.decode()
