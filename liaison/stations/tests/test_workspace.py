import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from liaison.core.models import AuditLog
from liaison.core.testing import PASSWORD
from liaison.stations import exceptions as errors
from liaison.stations import services
from liaison.stations.models import DutySlot, StandardEvidence, StandardItem, Station, StationDeputy

from .conftest import T, day, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_list_is_scoped(client, sw):
    text = login(client, sw.world.users["officer"]).get("/work/stations/").content.decode()
    assert sw.station.name in text and sw.county_station.name in text
    assert sw.town2_station.name not in text and sw.other_station.name not in text
    text = login(client, sw.staff).get("/work/stations/").content.decode()
    assert sw.station.name in text and sw.county_station.name not in text
    text = login(client, sw.world.users["pref_officer"]).get("/work/stations/").content.decode()
    assert sw.town2_station.name in text and sw.other_station.name not in text


def test_list_refused_to_roles_without_stations(client, sw):
    assert login(client, sw.world.users["unit"]).get("/work/stations/").status_code == 403
    assert login(client, sw.world.users["auditor"]).get("/work/stations/").status_code == 403
    client.logout()
    assert client.get("/work/stations/").status_code == 302


def test_list_shows_completeness(client, sw):
    item = StandardItem.objects.get(code="site")
    services.evidence_upload(actor=None, station=sw.station, item=item, file=SimpleUploadedFile("a.png", png_bytes()))
    text = login(client, sw.world.users["officer"]).get("/work/stations/").content.decode()
    assert "1/10" in text and "0/10" in text


def test_list_query_count_is_constant(client, sw, django_assert_num_queries):
    login(client, sw.world.users["pref_officer"])
    client.get("/work/stations/")  # session warm-up

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/work/stations/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(12):
        s = services.station_create(
            actor=None, name=f"多站{i}", kind="post", region=sw.world.regions["town2"], address="x"
        )
        services.station_deputy_assign(actor=None, station=s, person=sw.town2_deputy)
    assert count() == before
    with django_assert_num_queries(before):
        client.get("/work/stations/")


def test_detail_query_count_is_constant(client, sw):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    services.slot_create(
        actor=None, station=sw.station, date=day(1), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
    )
    login(client, sw.world.users["officer"])
    url = f"/work/stations/{sw.station.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for person in (sw.county_deputy, sw.pref_deputy):
        services.station_deputy_assign(actor=None, station=sw.station, person=person)
    for offset in range(2, 12):
        services.slot_create(
            actor=None,
            station=sw.station,
            date=day(offset),
            start_time=T(9),
            end_time=T(10),
            deputies=[sw.town_deputy, sw.county_deputy],
        )
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second.captured_queries) == len(first.captured_queries)


STAFF_URLS = [
    "/work/stations/{pk}/",
    "/work/stations/{pk}/standard/",
    "/work/stations/{pk}/roster/",
    "/work/stations/{pk}/deputies/",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_other_region_station_is_404(client, sw, url):
    login(client, sw.world.users["officer"])
    assert client.get(url.format(pk=sw.other_station.pk)).status_code == 404
    assert client.get(url.format(pk=sw.station.pk)).status_code == 200
    login(client, sw.staff)
    assert client.get(url.format(pk=sw.county_station.pk)).status_code == 404
    assert client.get(url.format(pk=sw.station.pk)).status_code == 200
    assert client.get(url.format(pk=999999)).status_code == 404


def test_station_staff_cannot_edit_another_station(client, sw):
    login(client, sw.staff)
    assert client.get(f"/work/stations/{sw.other_station.pk}/edit/").status_code == 404
    assert client.get(f"/work/stations/{sw.other_station.pk}/roster/new/").status_code == 404
    r = client.post(
        f"/work/stations/{sw.other_station.pk}/roster/new/",
        {"date": day(20).isoformat(), "start_time": "09:00", "end_time": "10:00"},
    )
    assert r.status_code == 404
    assert not DutySlot.objects.exists()
    # their own station's record is the liaison office's to edit
    assert client.get(f"/work/stations/{sw.station.pk}/edit/").status_code == 403
    assert client.get("/work/stations/new/").status_code == 403


def test_officer_creates_and_edits_station(client, sw):
    login(client, sw.world.users["officer"])
    assert client.get("/work/stations/new/").status_code == 200
    r = client.post(
        "/work/stations/new/",
        {
            "name": "红星村代表联络点",
            "kind": "post",
            "region": sw.world.regions["village"].pk,
            "address": "红星村村委会",
            "latitude": "23.1",
            "longitude": "113.2",
            "opening_hours": "每周三",
            "is_active": "on",
        },
    )
    station = Station.objects.get(name="红星村代表联络点")
    assert r.status_code == 302 and r["Location"] == f"/work/stations/{station.pk}/"
    assert AuditLog.objects.filter(model="stations.Station", action="create", object_id=str(station.pk)).exists()
    # a region outside the officer's subtree is not even offered
    r = client.post(
        "/work/stations/new/",
        {"name": "外站", "kind": "post", "region": sw.world.regions["other_town"].pk, "address": "x"},
    )
    assert r.status_code == 200 and not Station.objects.filter(name="外站").exists()
    # a duplicate name shows the service's error in the form
    r = client.post(
        f"/work/stations/{station.pk}/edit/",
        {
            "name": sw.station.name,
            "kind": "post",
            "region": sw.world.regions["town"].pk,
            "address": "x",
            "is_active": "on",
        },
    )
    assert r.status_code == 200 and "stations_name_taken" not in r.content.decode()
    assert str(errors.StationNameTaken.message) in r.content.decode()
    r = client.post(
        f"/work/stations/{station.pk}/edit/",
        {"name": "红星村代表联络点", "kind": "office", "region": sw.world.regions["village"].pk, "address": "新址"},
    )
    station.refresh_from_db()
    assert r.status_code == 302 and station.kind == "office" and station.address == "新址" and not station.is_active


@override_settings(ROSTER_MIN_NOTICE_DAYS=7)
def test_roster_form_shows_validation_errors(client, sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.county_deputy)
    services.station_deputy_assign(actor=None, station=sw.county_station, person=sw.county_deputy)
    services.slot_create(
        actor=None,
        station=sw.county_station,
        date=day(20),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.county_deputy],
    )
    login(client, sw.staff)
    url = f"/work/stations/{sw.station.pk}/roster/new/"
    assert client.get(url).status_code == 200
    base = {"date": day(20).isoformat(), "start_time": "10:00", "end_time": "12:00", "deputies": [sw.county_deputy.pk]}
    r = client.post(url, base)
    assert r.status_code == 200 and "甲一县代表之家" in r.content.decode()  # the clash is named
    r = client.post(url, {**base, "start_time": "12:00", "end_time": "11:00"})
    assert r.status_code == 200 and str(errors.SlotTimesOutOfOrder.message) in r.content.decode()
    r = client.post(
        url, {**base, "date": day(3).isoformat(), "start_time": "14:00", "end_time": "15:00", "publish": "on"}
    )
    assert r.status_code == 200 and "7" in r.content.decode() and "invalid-feedback" in r.content.decode()
    assert DutySlot.objects.filter(station=sw.station).count() == 0
    r = client.post(url, {**base, "start_time": "14:00", "end_time": "16:00", "publish": "on"})
    assert r.status_code == 302
    slot = DutySlot.objects.get(station=sw.station)
    assert slot.published_at is not None and list(slot.deputies.all()) == [sw.county_deputy]


def test_roster_repeat_from_form_and_edit_publish_delete(client, sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    login(client, sw.world.users["officer"])
    r = client.post(
        f"/work/stations/{sw.station.pk}/roster/new/",
        {
            "date": day(10).isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "deputies": [sw.town_deputy.pk],
            "repeat": "weekly",
            "repeat_until": day(31).isoformat(),
        },
    )
    assert r.status_code == 302
    slots = list(DutySlot.objects.filter(station=sw.station).order_by("date"))
    assert [s.date for s in slots] == [day(10), day(17), day(24), day(31)]
    first = slots[0]
    assert client.get(f"/work/stations/slots/{first.pk}/edit/").status_code == 200
    r = client.post(
        f"/work/stations/slots/{first.pk}/edit/",
        {
            "date": day(10).isoformat(),
            "start_time": "08:30",
            "end_time": "11:00",
            "deputies": [sw.town_deputy.pk],
            "topic": "教育",
        },
    )
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.start_time == T(8, 30) and first.topic == "教育"
    assert client.post(f"/work/stations/slots/{first.pk}/publish/").status_code == 302
    first.refresh_from_db()
    assert first.published_at is not None
    month = client.get(f"/work/stations/{sw.station.pk}/roster/", {"month": f"{day(10):%Y-%m}"})
    assert month.status_code == 200 and "08:30" in month.content.decode()
    assert client.get(f"/work/stations/{sw.station.pk}/roster/", {"month": "bad"}).status_code == 200
    assert client.post(f"/work/stations/slots/{first.pk}/delete/", {"reason": "取消"}).status_code == 302
    assert not DutySlot.objects.filter(pk=first.pk).exists()
    assert AuditLog.objects.filter(model="stations.DutySlot", action="delete", reason="取消").exists()


def test_slot_pages_scoped(client, sw):
    services.station_deputy_assign(actor=None, station=sw.other_station, person=sw.other_deputy)
    slot = services.slot_create(
        actor=None, station=sw.other_station, date=day(20), start_time=T(9), end_time=T(10), deputies=[sw.other_deputy]
    )
    login(client, sw.staff)
    assert client.get(f"/work/stations/slots/{slot.pk}/edit/").status_code == 404
    assert client.post(f"/work/stations/slots/{slot.pk}/publish/").status_code == 404
    assert client.post(f"/work/stations/slots/{slot.pk}/delete/").status_code == 404
    login(client, sw.world.users["leader"])
    assert client.get(f"/work/stations/slots/{slot.pk}/edit/").status_code == 404
    assert DutySlot.objects.filter(pk=slot.pk, published_at__isnull=True).exists()


def test_evidence_upload_view_and_serving(client, sw):
    login(client, sw.staff)
    item = StandardItem.objects.get(code="plan")
    url = f"/work/stations/{sw.station.pk}/standard/"
    r = client.post(url, {"item": item.pk, "file": SimpleUploadedFile("计划.pdf", pdf_bytes()), "note": "2026年"})
    assert r.status_code == 302
    ev = StandardEvidence.objects.get()
    r = client.post(url, {"item": item.pk, "file": SimpleUploadedFile("fake.png", b"GIF89a not really")})
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode()
    assert StandardEvidence.objects.count() == 1
    r = client.get(f"/work/stations/evidence/{ev.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == pdf_bytes()
    # scope: another station's staff and another region's officer get 404; the leadership may look
    assert login(client, sw.other_staff).get(f"/work/stations/evidence/{ev.pk}/").status_code == 404
    assert login(client, sw.world.users["other_officer"]).get(f"/work/stations/evidence/{ev.pk}/").status_code == 404
    assert login(client, sw.world.users["leader"]).get(f"/work/stations/evidence/{ev.pk}/").status_code == 200
    assert client.post(f"/work/stations/evidence/{ev.pk}/delete/").status_code == 403
    client.logout()
    assert client.get(f"/work/stations/evidence/{ev.pk}/").status_code == 302
    assert client.get(f"/media/{ev.file.name}").status_code == 404  # never served from MEDIA_ROOT directly
    login(client, sw.staff)
    assert client.post(f"/work/stations/evidence/{ev.pk}/delete/").status_code == 302
    assert not StandardEvidence.objects.exists()


def test_deputies_page_assign_and_unassign(client, sw):
    login(client, sw.world.users["officer"])
    url = f"/work/stations/{sw.station.pk}/deputies/"
    text = client.get(url).content.decode()
    assert sw.town_deputy.name in text and sw.pref_deputy.name in text and sw.town2_deputy.name not in text
    text = client.get(url, {"q": "wang"}).content.decode()
    assert sw.town_deputy.name in text and sw.county_deputy.name not in text
    assert client.post(f"{url}assign/", {"person": sw.town_deputy.pk}).status_code == 302
    assert StationDeputy.objects.filter(station=sw.station, person=sw.town_deputy).exists()
    r = client.post(f"{url}assign/", {"person": sw.town2_deputy.pk}, follow=True)
    assert not StationDeputy.objects.filter(person=sw.town2_deputy).exists()
    assert r.status_code == 200
    assert client.post(f"{url}assign/", {"person": "nope"}).status_code == 404
    assert client.post(f"{url}unassign/", {"person": sw.town_deputy.pk}).status_code == 302
    assert not StationDeputy.objects.filter(station=sw.station).exists()
    login(client, sw.staff)
    assert client.post(f"{url}assign/", {"person": sw.town_deputy.pk}).status_code == 403


def test_login_with_password_reaches_workspace(client, sw):
    assert client.login(username="station_staff", password=PASSWORD)
    assert client.get("/work/stations/").status_code == 200
