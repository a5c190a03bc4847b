"""The station work log (/work/worklog/): who keeps it, the fast entry form (with an answer on the
spot), the day's log under it and its printable form."""

import datetime

import pytest
from django.urls import reverse

from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD
from liaison.opinions import services
from liaison.opinions.models import Opinion

from .conftest import today

S = Opinion.Status
pytestmark = pytest.mark.django_db
URL = reverse("worklog:log")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def entry(ow, **overrides) -> dict:
    data = {
        "key": overrides.pop("key", "k-" + str(overrides.get("text", ""))[:8]),
        "station": ow.station.pk,
        "channel": "visit",
        "text": "村民反映自来水水压不足，早晚高峰经常停水。",
        "name": "张大爷",
        "phone": "13812345678",
        "region": ow.regions["village"].pk,
        "category": "",
        "received_by": ow.deputy.pk,
        "received_on": today().isoformat(),
        "answer": "",
    }
    data.update(overrides)
    return data


def register(ow, actor, n: int = 0, **kwargs) -> Opinion:
    args = {
        "actor": actor,
        "channel": "phone",
        "region": ow.regions["village"],
        "station": ow.station,
        "text": f"第{n}条：路灯损坏，夜间出行不便。",
        "received_by": ow.deputy,
        "name": f"王{n}",
        "phone": "13900001111",
    }
    args.update(kwargs)
    return services.opinion_register(**args)


@pytest.fixture
def staff_client(client, ow):
    login(client, ow.users["staff"])
    return client


# --- who keeps it ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, ow):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["nobody", "town_unit", "leader", "auditor"])
def test_those_who_register_no_opinions_are_refused(client, ow, who):
    login(client, ow.users[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, entry(ow)).status_code == 403
    assert not Opinion.objects.exists()


def test_another_stations_log_is_not_found(client, ow):
    login(client, ow.users["other_staff"])
    assert client.get(URL, {"station": ow.station.pk}).status_code == 404
    assert client.post(URL, entry(ow)).status_code == 404
    assert client.get(URL, {"station": "x"}).status_code == 404
    assert not Opinion.objects.exists()


@pytest.mark.parametrize("who", ["staff", "town_officer", "officer", "deputy"])
def test_staff_officers_and_deputies_of_the_station_keep_it(client, ow, who):
    login(client, ow.users[who])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["station"] == ow.station


def test_the_form_offers_the_stations_places_deputies_and_defaults(staff_client, ow):
    response = staff_client.get(URL)
    form = response.context["form"]
    assert form["channel"].value() == "visit"
    assert form["received_on"].value() == today()
    assert form["region"].value() == ow.station.region_id
    regions = set(form.fields["region"].queryset)
    assert ow.regions["town"] in regions and ow.regions["village"] in regions
    assert ow.regions["county"] not in regions and ow.regions["other_town"] not in regions
    assert list(form.fields["received_by"].queryset) == [ow.deputy]
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "autofocus" in body and "requestSubmit" in body


def test_a_deputy_on_duty_is_the_one_who_received(client, ow):
    login(client, ow.users["deputy"])
    form = client.get(URL).context["form"]
    assert form["received_by"].value() == ow.deputy.pk
    assert form.fields["received_by"].required


# --- entries ------------------------------------------------------------------------------------------


def test_an_entry_is_saved_and_the_form_is_ready_for_the_next(staff_client, ow):
    response = staff_client.post(URL, entry(ow, channel="phone"))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.channel, opinion.station, opinion.received_by) == ("phone", ow.station, ow.deputy)
    assert opinion.registered_by == ow.users["staff"] and opinion.status == S.SUBMITTED
    assert opinion.region == ow.regions["village"] and opinion.received_on == today()
    assert opinion.phone_verified is False and opinion.submitter_phone == "13812345678"
    assert AuditLog.objects.filter(object_id=str(opinion.pk), action=AuditLog.Action.CREATE).exists()
    page = staff_client.get(response["Location"])
    assert opinion.tracking_code in page.content.decode()  # told in the message, to give to the citizen
    form = page.context["form"]
    assert form["channel"].value() == "phone"  # kept
    assert str(form["received_by"].value()) == str(ow.deputy.pk)  # kept
    assert form["text"].value() in (None, "")  # empty for the next entry
    assert form["key"].value() != entry(ow)["key"]
    rows = page.context["rows"]
    assert [r["opinion"].pk for r in rows] == [opinion.pk]
    body = page.content.decode()
    assert "张**" in body or "张*" in body
    assert "138****5678" in body and "13812345678" not in body and "张大爷" not in body


def test_answered_on_the_spot_is_recorded_at_once(staff_client, ow):
    response = staff_client.post(URL, entry(ow, answer="已当场说明：水务站明日上午检修加压泵。"))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.status == S.ANSWERED_ON_SPOT
    assert opinion.answer == "已当场说明：水务站明日上午检修加压泵。"
    assert list(opinion.events.values_list("action", flat=True)) == ["submit", "answer_on_spot"]
    body = staff_client.get(response["Location"]).content.decode()
    assert "水务站明日上午检修加压泵" in body


def test_a_rejected_answer_saves_nothing_and_keeps_the_input(staff_client, ow):
    response = staff_client.post(URL, entry(ow, answer="好"))
    assert response.status_code == 400
    assert not Opinion.objects.exists()
    form = response.context["form"]
    assert form.errors["answer"]
    assert form["text"].value() == entry(ow)["text"]


def test_the_same_form_sent_twice_is_one_entry(staff_client, ow):
    data = entry(ow, key="same-key", answer="当场答复了。")
    assert staff_client.post(URL, data).status_code == 302
    assert staff_client.post(URL, data).status_code == 302
    assert Opinion.objects.count() == 1


def test_a_place_outside_the_station_is_refused(staff_client, ow):
    response = staff_client.post(URL, entry(ow, region=ow.regions["other_town"].pk))
    assert response.status_code == 400 and response.context["form"].errors["region"]
    assert not Opinion.objects.exists()


def test_a_deputy_not_of_the_station_is_refused(staff_client, ow):
    from liaison.stations.tests.conftest import make_deputy

    stranger = make_deputy(ow.w, "other_town", "外站代表")
    response = staff_client.post(URL, entry(ow, received_by=stranger.pk))
    assert response.status_code == 400 and response.context["form"].errors["received_by"]


def test_a_date_in_the_future_is_refused(staff_client, ow):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = staff_client.post(URL, entry(ow, received_on=tomorrow))
    assert response.status_code == 400 and response.context["form"].errors["received_on"]


def test_an_earlier_day_can_be_caught_up(staff_client, ow):
    earlier = today() - datetime.timedelta(days=3)
    response = staff_client.post(URL, entry(ow, received_on=earlier.isoformat()))
    assert response.status_code == 302 and f"date={earlier.isoformat()}" in response["Location"]
    page = staff_client.get(response["Location"])
    assert page.context["day"] == earlier and len(page.context["rows"]) == 1
    assert page.context["rows"][0]["time"] == ""  # entered on another day: no time of receipt


def test_a_landline_taken_down_by_staff_is_accepted(staff_client, ow):
    assert staff_client.post(URL, entry(ow, phone="0760-8888123")).status_code == 302
    assert Opinion.objects.get().submitter_phone


def test_a_deputy_answers_what_they_received(client, ow):
    login(client, ow.users["deputy"])
    response = client.post(URL, entry(ow, answer="当场解释了停水检修的安排。"))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.status == S.ANSWERED_ON_SPOT and opinion.received_by == ow.deputy
    assert opinion.registered_by == ow.users["deputy"]


def test_an_officer_registers_at_a_station_of_the_area(client, ow):
    login(client, ow.users["town_officer"])
    response = client.post(URL, entry(ow, received_by=""))
    assert response.status_code == 302
    assert Opinion.objects.get().received_by is None


# --- the day's log ------------------------------------------------------------------------------------


def test_the_log_shows_one_station_and_one_day(staff_client, ow):
    mine = register(ow, ow.users["staff"], 1)
    yesterday = register(ow, ow.users["staff"], 2, received_on=today() - datetime.timedelta(days=1))
    register(
        ow, ow.users["other_staff"], 3, station=ow.other_station, region=ow.regions["other_town"], received_by=None
    )
    page = staff_client.get(URL)
    assert [r["opinion"].pk for r in page.context["rows"]] == [mine.pk]
    page = staff_client.get(URL, {"date": (today() - datetime.timedelta(days=1)).isoformat()})
    assert [r["opinion"].pk for r in page.context["rows"]] == [yesterday.pk]
    assert staff_client.get(URL, {"date": "not-a-date"}).context["day"] == today()


def test_the_printable_log(staff_client, ow):
    register(ow, ow.users["staff"], 1)
    register(ow, ow.users["staff"], 2, answer="已当场答复：路灯本周更换。")
    response = staff_client.get(URL, {"print": "1", "station": ow.station.pk, "date": today().isoformat()})
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "opinions/worklog/print.html"
    body = response.content.decode()
    assert "民情工作日志" in body and ow.station.name in body
    assert "size: A4" in body
    assert "139****1111" in body and "13900001111" not in body
    assert "王1" not in body  # names masked
    assert "路灯本周更换" in body
    assert body.count('class="signature"') == 3  # the heading and a signing cell on each line
    assert 'id="worklog-form"' not in body


@pytest.mark.parametrize("params", [{}, {"print": "1"}], ids=["page", "print"])
def test_query_count_of_the_log_is_constant(staff_client, ow, params, django_assert_num_queries):
    for n in range(5):
        register(ow, ow.users["staff"], n)
    staff_client.get(URL, params)  # warm the session and the calendar
    with django_assert_num_queries(12, exact=False) as ctx:
        response = staff_client.get(URL, params)
    assert len(response.context["rows"]) == 5
    baseline = len(ctx.captured_queries)
    for n in range(5, 50):
        register(ow, ow.users["staff"], n, answer="当场答复。" if n % 2 else "")
    with django_assert_num_queries(baseline):
        response = staff_client.get(URL, params)
    assert len(response.context["rows"]) == 50
