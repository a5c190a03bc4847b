import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from liaison.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog
from liaison.stations import exceptions as errors
from liaison.stations import selectors, services
from liaison.stations.models import DutyAssignment, DutySlot, StandardEvidence, StandardItem, Station, StationDeputy

from .conftest import T, day, jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def audit_rows(model, action):
    return AuditLog.objects.filter(model=model._meta.label, action=action)


# --- stations ---------------------------------------------------------------------------------------


def test_station_create_copies_region_path_and_audits(sw):
    officer = sw.world.users["officer"]
    station = services.station_create(
        actor=officer, name="红星村联络点", kind="post", region=sw.world.regions["village"], address="红星村1号"
    )
    assert station.region_path == sw.world.regions["village"].path
    row = audit_rows(Station, "create").get(object_id=str(station.pk))
    assert row.actor == officer and row.after["name"] == "红星村联络点"


def test_station_create_outside_officer_region_refused(sw):
    with pytest.raises(errors.RegionOutOfScope):
        services.station_create(
            actor=sw.world.users["officer"],
            name="外区站",
            kind="post",
            region=sw.world.regions["other_town"],
            address="x",
        )
    with pytest.raises(PermissionDenied):  # station staff cannot create stations at all
        services.station_create(actor=sw.staff, name="x", kind="post", region=sw.world.regions["town"], address="x")


@pytest.mark.parametrize(("lat", "lon"), [("91", "100"), ("-90.5", "0"), ("0", "180.1"), ("abc", "1"), ("NaN", "1")])
def test_station_coordinates_in_range(sw, lat, lon):
    with pytest.raises(errors.CoordinatesOutOfRange):
        services.station_create(
            actor=None,
            name="坐标站",
            kind="post",
            region=sw.world.regions["town"],
            address="x",
            latitude=lat,
            longitude=lon,
        )


def test_station_name_unique_in_region(sw):
    with pytest.raises(errors.StationNameTaken):
        services.station_create(
            actor=None, name=sw.station.name, kind="post", region=sw.world.regions["town"], address="x"
        )


def test_station_update_audits_changed_fields_only(sw):
    s = sw.station
    services.station_update(
        actor=sw.world.users["officer"],
        station=s,
        name=s.name,
        kind=s.kind,
        region=s.region,
        address="新地址",
        latitude=s.latitude,
        longitude=s.longitude,
        opening_hours=s.opening_hours,
    )
    row = audit_rows(Station, "update").get(object_id=str(s.pk))
    assert row.before == {"address": "东风镇人民路1号"}
    assert row.after == {"address": "新地址"}


def test_station_update_scope(sw):
    s = sw.other_station
    with pytest.raises(NotFound):
        services.station_update(
            actor=sw.world.users["officer"], station=s, name="x", kind=s.kind, region=s.region, address="x"
        )
    with pytest.raises(PermissionDenied):  # staff see their station but do not edit its record
        services.station_update(
            actor=sw.staff, station=sw.station, name="x", kind="post", region=sw.station.region, address="x"
        )
    with pytest.raises(PermissionDenied):  # leadership reads only
        services.station_update(
            actor=sw.world.users["leader"],
            station=sw.station,
            name="x",
            kind="post",
            region=sw.station.region,
            address="x",
        )


# --- deputies at a station --------------------------------------------------------------------------


def test_assign_eligible_deputies_in_line_with_the_station(sw):
    officer = sw.world.users["officer"]
    for person in (sw.town_deputy, sw.county_deputy, sw.pref_deputy):  # same region and above
        services.station_deputy_assign(actor=officer, station=sw.station, person=person)
    services.station_deputy_assign(actor=officer, station=sw.county_station, person=sw.town_deputy)  # below
    assert StationDeputy.objects.filter(station=sw.station).count() == 3
    assert audit_rows(StationDeputy, "create").count() == 4


def test_assign_refuses_sibling_region_and_duplicates(sw):
    officer = sw.world.users["officer"]
    with pytest.raises(errors.DeputyNotEligible):
        services.station_deputy_assign(actor=officer, station=sw.station, person=sw.town2_deputy)
    services.station_deputy_assign(actor=officer, station=sw.station, person=sw.town_deputy)
    with pytest.raises(errors.DeputyAlreadyAssigned):
        services.station_deputy_assign(actor=officer, station=sw.station, person=sw.town_deputy)


def test_assign_refuses_deputy_without_serving_mandate(sw):
    sw.town_deputy.mandates.update(status="resigned")
    with pytest.raises(errors.DeputyNotEligible):
        services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)


def test_assign_rights(sw):
    with pytest.raises(PermissionDenied):  # station staff do not choose the station's deputies
        services.station_deputy_assign(actor=sw.staff, station=sw.station, person=sw.town_deputy)
    with pytest.raises(NotFound):
        services.station_deputy_assign(actor=sw.world.users["other_officer"], station=sw.station, person=sw.town_deputy)


def test_unassign_refused_while_on_upcoming_duty(sw):
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    slot = services.slot_create(
        actor=None, station=sw.station, date=day(10), start_time=T(9), end_time=T(11), deputies=[sw.town_deputy]
    )
    with pytest.raises(errors.DeputyHasUpcomingDuty):
        services.station_deputy_unassign(actor=sw.world.users["officer"], station=sw.station, person=sw.town_deputy)
    services.slot_delete(actor=None, slot=slot)
    services.station_deputy_unassign(actor=sw.world.users["officer"], station=sw.station, person=sw.town_deputy)
    assert not StationDeputy.objects.filter(station=sw.station).exists()
    assert audit_rows(StationDeputy, "delete").count() == 1


# --- roster -------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(sw):
    for person in (sw.town_deputy, sw.county_deputy):
        services.station_deputy_assign(actor=None, station=sw.station, person=person)
    services.station_deputy_assign(actor=None, station=sw.county_station, person=sw.county_deputy)
    services.station_deputy_assign(actor=None, station=sw.county_station, person=sw.town_deputy)
    return sw


def test_deputy_cannot_be_in_two_stations_at_once(assigned):
    sw = assigned
    services.slot_create(
        actor=sw.staff, station=sw.station, date=day(10), start_time=T(9), end_time=T(11), deputies=[sw.county_deputy]
    )
    with pytest.raises(errors.DeputyDoubleBooked) as exc:
        services.slot_create(
            actor=sw.world.users["officer"],
            station=sw.county_station,
            date=day(10),
            start_time=T(10, 30),
            end_time=T(12),
            deputies=[sw.county_deputy],
        )
    assert "东风镇代表联络站" in str(exc.value.message) and exc.value.field == "deputies"
    assert not DutySlot.objects.filter(station=sw.county_station).exists()
    # touching ends do not overlap; another date does not overlap
    services.slot_create(
        actor=None,
        station=sw.county_station,
        date=day(10),
        start_time=T(11),
        end_time=T(12),
        deputies=[sw.county_deputy],
    )
    services.slot_create(
        actor=None,
        station=sw.county_station,
        date=day(11),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.county_deputy],
    )


def test_update_checks_overlap_and_keeps_copies_in_step(assigned):
    sw = assigned
    a = services.slot_create(
        actor=None, station=sw.station, date=day(12), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
    )
    b = services.slot_create(
        actor=None, station=sw.county_station, date=day(12), start_time=T(14), end_time=T(16), deputies=[sw.town_deputy]
    )
    with pytest.raises(errors.DeputyDoubleBooked):
        services.slot_update(
            actor=None, slot=b, date=day(12), start_time=T(9, 30), end_time=T(11), deputies=[sw.town_deputy]
        )
    services.slot_update(
        actor=None, slot=a, date=day(13), start_time=T(8), end_time=T(9), deputies=[sw.town_deputy, sw.county_deputy]
    )
    rows = DutyAssignment.objects.filter(slot=a)
    assert {(r.person_id, r.date, r.start_time, r.end_time) for r in rows} == {
        (sw.town_deputy.pk, day(13), T(8), T(9)),
        (sw.county_deputy.pk, day(13), T(8), T(9)),
    }
    row = audit_rows(DutySlot, "update").get(object_id=str(a.pk))
    assert row.before["date"] == day(12).isoformat() and row.after["deputies"] == sorted(
        [sw.town_deputy.pk, sw.county_deputy.pk]
    )


def test_end_after_start_and_not_in_past(assigned):
    sw = assigned
    with pytest.raises(errors.SlotTimesOutOfOrder):
        services.slot_create(actor=None, station=sw.station, date=day(10), start_time=T(11), end_time=T(11))
    with pytest.raises(errors.SlotTimesOutOfOrder):
        services.slot_create(actor=None, station=sw.station, date=day(10), start_time=T(11), end_time=T(9))
    with pytest.raises(errors.SlotInThePast):
        services.slot_create(actor=None, station=sw.station, date=day(-1), start_time=T(9), end_time=T(10))


def test_only_station_deputies_on_its_roster(assigned):
    sw = assigned
    with pytest.raises(errors.DeputyNotAtStation) as exc:
        services.slot_create(
            actor=None, station=sw.station, date=day(10), start_time=T(9), end_time=T(10), deputies=[sw.pref_deputy]
        )
    assert "赵市" in str(exc.value.message)


@override_settings(ROSTER_MIN_NOTICE_DAYS=7)
def test_publish_needs_notice_days(assigned):
    sw = assigned
    with pytest.raises(errors.RosterNoticeTooShort) as exc:
        services.slot_create(
            actor=None,
            station=sw.station,
            date=day(6),
            start_time=T(9),
            end_time=T(10),
            deputies=[sw.town_deputy],
            publish=True,
        )
    assert "7" in str(exc.value.message)
    draft = services.slot_create(
        actor=None, station=sw.station, date=day(6), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
    )
    assert draft.published_at is None  # a draft for a sooner date may exist ...
    with pytest.raises(errors.RosterNoticeTooShort):  # ... but can never be published
        services.slot_publish(actor=sw.staff, slot=draft)
    ok = services.slot_create(
        actor=None, station=sw.station, date=day(7), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
    )
    services.slot_publish(actor=sw.staff, slot=ok)
    ok.refresh_from_db()
    assert ok.published_at is not None
    assert audit_rows(DutySlot, "transition").filter(object_id=str(ok.pk), actor=sw.staff).exists()
    with pytest.raises(errors.SlotAlreadyPublished):
        services.slot_publish(actor=sw.staff, slot=ok)


@override_settings(ROSTER_MIN_NOTICE_DAYS=7)
def test_published_slot_moves_need_notice_but_deputies_may_change(assigned):
    sw = assigned
    slot = services.slot_create(
        actor=None,
        station=sw.station,
        date=day(20),
        start_time=T(9),
        end_time=T(10),
        deputies=[sw.town_deputy],
        publish=True,
    )
    with pytest.raises(errors.RosterNoticeTooShort):
        services.slot_update(
            actor=None, slot=slot, date=day(3), start_time=T(9), end_time=T(10), deputies=[sw.town_deputy]
        )
    services.slot_update(
        actor=None, slot=slot, date=day(20), start_time=T(9), end_time=T(10), deputies=[sw.county_deputy]
    )
    with pytest.raises(errors.SlotWithoutDeputies):
        services.slot_update(actor=None, slot=slot, date=day(20), start_time=T(9), end_time=T(10), deputies=[])


def test_publish_needs_a_deputy(assigned):
    sw = assigned
    slot = services.slot_create(actor=None, station=sw.station, date=day(30), start_time=T(9), end_time=T(10))
    with pytest.raises(errors.SlotWithoutDeputies):
        services.slot_publish(actor=None, slot=slot)


def test_roster_rights(assigned):
    sw = assigned
    with pytest.raises(NotFound):  # staff of another station
        services.slot_create(actor=sw.other_staff, station=sw.station, date=day(10), start_time=T(9), end_time=T(10))
    with pytest.raises(NotFound):  # staff do not see the county's home
        services.slot_create(actor=sw.staff, station=sw.county_station, date=day(10), start_time=T(9), end_time=T(10))
    with pytest.raises(PermissionDenied):
        services.slot_create(
            actor=sw.world.users["leader"], station=sw.station, date=day(10), start_time=T(9), end_time=T(10)
        )
    slot = services.slot_create(actor=sw.staff, station=sw.station, date=day(10), start_time=T(9), end_time=T(10))
    assert audit_rows(DutySlot, "create").get(object_id=str(slot.pk)).actor == sw.staff
    with pytest.raises(NotFound):
        services.slot_delete(actor=sw.world.users["other_officer"], slot=slot)
    services.slot_delete(actor=sw.world.users["officer"], slot=slot, reason="改期")
    row = audit_rows(DutySlot, "delete").get(object_id=str(slot.pk))
    assert row.reason == "改期" and row.before["start_time"] == "09:00:00"


def test_repeat_monthly_on_the_10th(assigned):
    sw = assigned
    start = day(40)
    start = (
        start.replace(day=10)
        if start.day <= 10
        else (start.replace(day=28) + datetime.timedelta(days=10)).replace(day=10)
    )
    first = services.slot_create(
        actor=None,
        station=sw.station,
        date=start,
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.town_deputy],
        publish=True,
    )
    until = start + datetime.timedelta(days=100)
    copies = services.slot_repeat(actor=sw.staff, slot=first, frequency="monthly", until=until)
    assert len(copies) == 3
    assert all(c.date.day == 10 and c.published_at is not None for c in copies)
    assert all(list(c.deputies.all()) == [sw.town_deputy] for c in copies)


def test_repeat_weekly_is_all_or_nothing(assigned):
    sw = assigned
    first = services.slot_create(
        actor=None, station=sw.station, date=day(10), start_time=T(9), end_time=T(11), deputies=[sw.county_deputy]
    )
    services.slot_create(
        actor=None,
        station=sw.county_station,
        date=day(24),
        start_time=T(10),
        end_time=T(12),
        deputies=[sw.county_deputy],
    )
    with pytest.raises(errors.DeputyDoubleBooked) as exc:
        services.slot_repeat(actor=None, slot=first, frequency="weekly", until=day(40))
    assert day(24).isoformat() in str(exc.value.message)
    assert DutySlot.objects.filter(station=sw.station).count() == 1
    with pytest.raises(errors.RepeatOutOfRange):
        services.slot_repeat(actor=None, slot=first, frequency="weekly", until=day(500))
    with pytest.raises(ValidationFailed):
        services.slot_repeat(actor=None, slot=first, frequency="daily", until=day(20))


def test_repeat_dates_skip_short_months():
    dates = services.repeat_dates(
        start=datetime.date(2027, 1, 31), frequency="monthly", until=datetime.date(2027, 6, 1)
    )
    assert dates == [datetime.date(2027, 3, 31), datetime.date(2027, 5, 31)]
    weekly = services.repeat_dates(
        start=datetime.date(2027, 1, 1), frequency="weekly", until=datetime.date(2027, 1, 22)
    )
    assert weekly == [datetime.date(2027, 1, 8), datetime.date(2027, 1, 15), datetime.date(2027, 1, 22)]


# --- evidence -----------------------------------------------------------------------------------------


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("场地.png", png_bytes(), "image/png"),
        ("标牌.jpg", jpeg_bytes(), "image/jpeg"),
        ("计划.pdf", pdf_bytes(), "application/pdf"),
    ],
)
def test_evidence_real_files_accepted(sw, settings, name, data, expected):
    item = StandardItem.objects.get(code="site")
    ev = services.evidence_upload(actor=sw.staff, station=sw.station, item=item, file=upload(name, data), note="门口")
    assert ev.content_type == expected and ev.size == len(data) and ev.original_name == name
    assert ev.file.name.startswith("evidence/") and name not in ev.file.name
    stored = settings.MEDIA_ROOT / ev.file.name
    assert stored.read_bytes() == data
    assert audit_rows(StandardEvidence, "create").get(object_id=str(ev.pk)).actor == sw.staff


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fake.png", b"MZ\x90\x00this is an executable renamed to png" * 10),
        ("fake.pdf", b"<html><script>alert(1)</script></html>"),
        ("broken.png", png_bytes()[:40]),  # a PNG header with a truncated body
        ("nohead.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"),  # no end marker
        ("empty.png", b""),
    ],
)
def test_evidence_fake_files_refused(sw, name, data):
    item = StandardItem.objects.get(code="site")
    with pytest.raises(errors.EvidenceTypeNotAllowed):
        services.evidence_upload(actor=sw.staff, station=sw.station, item=item, file=upload(name, data, "image/png"))
    assert not StandardEvidence.objects.exists()


def test_evidence_size_limit(sw, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    item = StandardItem.objects.get(code="site")
    with pytest.raises(errors.EvidenceTooLarge):
        services.evidence_upload(
            actor=None, station=sw.station, item=item, file=upload("big.png", png_bytes((300, 300)))
        )


def test_evidence_rights(sw):
    item = StandardItem.objects.get(code="site")
    with pytest.raises(NotFound):
        services.evidence_upload(actor=sw.other_staff, station=sw.station, item=item, file=upload("a.png", png_bytes()))
    with pytest.raises(PermissionDenied):
        services.evidence_upload(
            actor=sw.world.users["leader"], station=sw.station, item=item, file=upload("a.png", png_bytes())
        )


def test_evidence_delete_removes_file_on_commit(sw, settings, django_capture_on_commit_callbacks):
    item = StandardItem.objects.get(code="site")
    ev = services.evidence_upload(actor=None, station=sw.station, item=item, file=upload("a.png", png_bytes()))
    path = settings.MEDIA_ROOT / ev.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=sw.staff, evidence=ev)
    assert not path.exists()
    assert audit_rows(StandardEvidence, "delete").get(object_id=str(ev.pk)).actor == sw.staff


def test_completeness(sw):
    assert StandardItem.objects.count() == 10
    assert str(selectors.station_completeness(station=sw.station)) == "0/10"
    items = list(StandardItem.objects.order_by("order")[:3])
    for item in items:
        services.evidence_upload(actor=None, station=sw.station, item=item, file=upload("a.png", png_bytes()))
    services.evidence_upload(actor=None, station=sw.station, item=items[0], file=upload("b.pdf", pdf_bytes()))
    c = selectors.station_completeness(station=sw.station)
    assert (c.done, c.total, c.percent) == (3, 10, 30)
    listed = {s.pk: s for s in selectors.station_list_for(user=sw.world.users["officer"])}
    assert listed[sw.station.pk].items_done == 3 and listed[sw.county_station.pk].items_done == 0
    for item in StandardItem.objects.all():
        services.evidence_upload(actor=None, station=sw.station, item=item, file=upload("c.png", png_bytes()))
    assert str(selectors.station_completeness(station=sw.station)) == "10/10"
