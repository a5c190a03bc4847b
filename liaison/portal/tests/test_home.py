import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.deputies.models import Mandate, Person
from liaison.deputies.pinyin import name_pinyin
from liaison.stations.models import DutyAssignment, DutySlot, Station


def _station_with_slots(world, n_slots: int):
    town = world.regions["town"]
    station = Station.objects.create(
        name="东风镇代表联络站", region=town, region_path=town.path, address="东风镇人民路1号"
    )
    full, initials = name_pinyin("王建国")
    person = Person.objects.create(name="王建国", name_pinyin=full, name_initials=initials, gender="m")
    Mandate.objects.create(
        person=person,
        congress=world.congresses["town"],
        term=world.terms["town"],
        election="direct",
        start_date=datetime.date(2022, 1, 1),
        level="township",
        region_path=town.path,
    )
    today = timezone.localdate()
    for i in range(n_slots):
        slot = DutySlot.objects.create(
            station=station,
            date=today + datetime.timedelta(days=i + 1),
            start_time=datetime.time(9),
            end_time=datetime.time(11),
            published_at=timezone.now(),
        )
        DutyAssignment.objects.create(
            slot=slot, person=person, date=slot.date, start_time=slot.start_time, end_time=slot.end_time
        )
    return station


def test_home_lists_upcoming_receptions_in_a_region(world, client):
    _station_with_slots(world, 2)
    response = client.get("/", {"region": world.regions["county"].pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "东风镇代表联络站" in body and "王建国" in body
    assert response.context["counts"] == {"deputies": 1, "stations": 1}


def test_home_outside_region_shows_no_receptions(world, client):
    _station_with_slots(world, 1)
    response = client.get("/", {"region": world.regions["other_pref"].pk})
    assert response.context["receptions"] == []


def test_home_search_and_bad_input(world, client):
    assert "东风镇" in client.get("/", {"q": "东风"}).content.decode()
    assert client.get("/", {"region": "not-a-number"}).status_code == 200
    assert client.get("/", {"region": "999999"}).status_code == 200


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/", params).status_code == 200
    return len(ctx.captured_queries)


def test_home_query_count_does_not_grow(world, client):
    _station_with_slots(world, 2)
    county = world.regions["county"].pk
    before = _queries(client, region=county)
    _more_slots(10)
    assert _queries(client, region=county) == before <= 10


def _more_slots(n: int) -> None:
    station, person = Station.objects.get(), Person.objects.get()
    today = timezone.localdate()
    for i in range(n):
        slot = DutySlot.objects.create(
            station=station,
            date=today + datetime.timedelta(days=i + 5),
            start_time=datetime.time(14),
            end_time=datetime.time(16),
            published_at=timezone.now(),
        )
        DutyAssignment.objects.create(
            slot=slot, person=person, date=slot.date, start_time=slot.start_time, end_time=slot.end_time
        )
