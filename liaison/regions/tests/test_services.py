"""Validation and audit of the regions services."""

import datetime

import pytest
from django.utils import timezone

from liaison.core.exceptions import ValidationFailed
from liaison.core.models import AuditLog
from liaison.regions import services
from liaison.regions.models import Congress, HandlingUnit, Organ, Region, Session, Term

D = datetime.date


def audit_rows(obj, action):
    return AuditLog.objects.filter(model=obj._meta.label, object_id=str(obj.pk), action=action)


# --- regions ------------------------------------------------------------------------------------------


def test_region_create_is_audited_and_validates(world):
    admin = world.users["sysadmin"]
    town = services.region_create(
        actor=admin, name="新桥镇", code="440101002000", level="township", parent=world.regions["county"]
    )
    row = audit_rows(town, "create").get()
    assert row.actor == admin and row.after["code"] == "440101002000"
    assert town.path == f"{world.regions['county'].path}{town.pk}/" and town.depth == 3

    with pytest.raises(ValidationFailed) as exc:
        services.region_create(
            actor=admin, name="新桥镇", code="440101003000", level="township", parent=world.regions["county"]
        )
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.region_create(actor=admin, name="X", code="44A", level="township", parent=world.regions["county"])
    assert exc.value.field == "code"
    with pytest.raises(ValidationFailed) as exc:
        services.region_create(actor=admin, name="  ", code="1", level="township", parent=world.regions["county"])
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.region_create(actor=admin, name="Y", code="2", level="galaxy", parent=None)
    assert exc.value.field == "level"
    with pytest.raises(ValidationFailed) as exc:
        services.region_create(
            actor=admin, name="Y", code="440101002000", level="township", parent=world.regions["county"]
        )
    assert exc.value.field == "code"


def test_region_update_renames_and_moves_in_one_call(world):
    admin = world.users["sysadmin"]
    town2, other_county = world.regions["town2"], world.regions["other_county"]
    services.region_update(
        actor=admin, region=town2, name="西河街道", code=town2.code, parent=other_county, reason="区划调整"
    )
    town2.refresh_from_db()
    assert town2.name == "西河街道" and town2.parent == other_county
    assert town2.path == f"{other_county.path}{town2.pk}/"
    rows = audit_rows(town2, "update")
    assert rows.count() == 2  # the rename and the move
    assert {r.reason for r in rows} == {"区划调整"}
    (move,) = [r for r in rows if "parent" in r.after]
    assert move.before["parent"] == world.regions["county2"].pk and move.after["parent"] == other_county.pk


def test_region_update_into_own_subtree_is_refused_and_nothing_changes(world):
    county = world.regions["county"]
    with pytest.raises(ValidationFailed) as exc:
        services.region_update(actor=None, region=county, name="改名县", code=county.code, parent=world.regions["town"])
    assert exc.value.field == "parent"
    assert "循环" in str(exc.value.message)  # Simplified Chinese is the default language
    county.refresh_from_db()
    assert county.name == "甲一县"  # the rename rolled back with the refused move
    assert not audit_rows(county, "update").exists()


def test_region_update_checks_code_and_sibling_names(world):
    county = world.regions["county"]
    with pytest.raises(ValidationFailed) as exc:
        services.region_update(actor=None, region=county, name="甲一县", code=world.regions["county2"].code)
    assert exc.value.field == "code"
    with pytest.raises(ValidationFailed) as exc:
        services.region_update(actor=None, region=county, name="甲二县", code=county.code)
    assert exc.value.field == "name"


def test_move_carries_station_and_mandate_paths(world):
    # Station and Mandate rows copy the region path; the move rewrites them (checked on the query).
    town2 = world.regions["town2"]
    services.region_move(actor=None, region=town2, new_parent=world.regions["other_county"])
    assert Region.objects.get(pk=town2.pk).path.startswith(world.regions["other_county"].path)


# --- congresses ---------------------------------------------------------------------------------------


def test_congress_create_defaults_and_rules(world):
    village = world.regions["village"]
    with pytest.raises(ValidationFailed):
        services.congress_create(actor=None, region=village)
    with pytest.raises(ValidationFailed):
        services.congress_create(actor=None, region=world.regions["county"])  # already has one
    prov = services.congress_create(actor=world.users["sysadmin"], region=world.regions["prov"])
    assert prov.name.startswith("测试省")
    assert prov.motion_threshold == 10 and prov.level == "province"
    assert world.congresses["town"].motion_threshold == 5
    assert audit_rows(prov, "create").exists()


def test_congress_update_threshold_at_least_one(world):
    congress = world.congresses["county"]
    for bad in (0, -3, None, "x"):
        with pytest.raises(ValidationFailed) as exc:
            services.congress_update(actor=None, congress=congress, name="甲一县人大", motion_threshold=bad)
        assert exc.value.field == "motion_threshold"
    with pytest.raises(ValidationFailed) as exc:
        services.congress_update(actor=None, congress=congress, name="", motion_threshold=8)
    assert exc.value.field == "name"
    services.congress_update(
        actor=world.users["officer"], congress=congress, name="甲一县人民代表大会", motion_threshold=8, reason="章程"
    )
    congress.refresh_from_db()
    assert congress.motion_threshold == 8
    row = audit_rows(congress, "update").get()
    assert row.before["motion_threshold"] == 10
    assert row.after["motion_threshold"] == 8 and row.actor == world.users["officer"]


# --- terms --------------------------------------------------------------------------------------------


def test_term_rules(world):
    congress = world.congresses["county"]
    with pytest.raises(ValidationFailed) as exc:
        services.term_create(actor=None, congress=congress, number=8, start_date=D(2027, 1, 1), end_date=D(2026, 1, 1))
    assert exc.value.field == "end_date"
    with pytest.raises(ValidationFailed) as exc:
        services.term_create(
            actor=None, congress=congress, number=7, start_date=D(2027, 1, 1), end_date=D(2031, 12, 31)
        )
    assert exc.value.field == "number"
    with pytest.raises(ValidationFailed) as exc:
        services.term_create(actor=None, congress=congress, number=8, start_date=D(2026, 6, 1), end_date=D(2031, 5, 31))
    assert exc.value.field == "start_date"
    with pytest.raises(ValidationFailed) as exc:
        services.term_create(
            actor=None, congress=congress, number=0, start_date=D(2027, 1, 1), end_date=D(2031, 12, 31)
        )
    assert exc.value.field == "number"
    term8 = services.term_create(
        actor=world.users["officer"], congress=congress, number=8, start_date=D(2027, 1, 1), end_date=D(2031, 12, 31)
    )
    assert audit_rows(term8, "create").get().actor == world.users["officer"]


def test_term_update_keeps_its_sessions_inside(world, things):
    term = world.terms["county"]
    with pytest.raises(ValidationFailed) as exc:
        services.term_update(actor=None, term=term, number=7, start_date=D(2022, 2, 1), end_date=D(2026, 12, 31))
    assert exc.value.field == "start_date"
    with pytest.raises(ValidationFailed):
        services.term_update(actor=None, term=term, number=7, start_date=D(2022, 1, 1), end_date=D(2021, 12, 31))
    services.term_update(
        actor=world.users["officer"], term=term, number=7, start_date=D(2021, 12, 1), end_date=D(2026, 11, 30)
    )
    term.refresh_from_db()
    assert term.start_date == D(2021, 12, 1)
    row = audit_rows(term, "update").get()
    assert row.before == {"start_date": "2022-01-01", "end_date": "2026-12-31"}
    assert row.after == {"start_date": "2021-12-01", "end_date": "2026-11-30"}


# --- sessions -----------------------------------------------------------------------------------------


def session_kwargs(**over):
    data = {
        "number": 2,
        "start_date": D(2023, 1, 10),
        "end_date": D(2023, 1, 13),
        "notice_date": D(2022, 12, 20),
        "motion_deadline": None,
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"end_date": D(2023, 1, 9)}, "end_date"),  # closes before it opens
        ({"start_date": D(2021, 12, 30), "end_date": D(2022, 1, 2), "notice_date": None}, "start_date"),  # before term
        ({"start_date": D(2026, 12, 30), "end_date": D(2027, 1, 2)}, "start_date"),  # after the term
        ({"notice_date": D(2023, 1, 11)}, "notice_date"),  # notice after the opening
        ({"notice_date": D(2023, 1, 10)}, "notice_date"),  # notice on the opening day
        ({"number": 1, "start_date": D(2023, 3, 1), "end_date": D(2023, 3, 3)}, "number"),  # number taken
        ({"start_date": D(2022, 1, 22), "end_date": D(2022, 1, 25), "notice_date": None}, "start_date"),  # overlap
        ({"motion_deadline": timezone.make_aware(datetime.datetime(2023, 1, 14, 9))}, "motion_deadline"),
        ({"number": 0}, "number"),
    ],
)
def test_session_validation(world, things, over, field):
    with pytest.raises(ValidationFailed) as exc:
        services.session_create(actor=None, term=world.terms["county"], **session_kwargs(**over))
    assert exc.value.field == field
    assert Session.objects.filter(term=world.terms["county"]).count() == 1


def test_session_create_records_short_notice_with_a_warning(world, things):
    session = services.session_create(
        actor=world.users["officer"], term=world.terms["county"], **session_kwargs(notice_date=D(2023, 1, 1))
    )
    assert session.notice_days == 9 and session.notice_short
    warning = services.session_notice_warning(session)
    assert warning and "9" in warning and "15" in warning
    assert audit_rows(session, "create").get().after["notice_date"] == "2023-01-01"

    ok = things["county_session"]
    assert ok.notice_days == 19 and not ok.notice_short
    assert services.session_notice_warning(ok) is None


def test_session_update_validates_and_audits(world, things):
    session = things["county_session"]
    with pytest.raises(ValidationFailed) as exc:
        services.session_update(actor=None, session=session, **session_kwargs(number=1, notice_date=D(2023, 2, 1)))
    assert exc.value.field == "notice_date"
    deadline = timezone.make_aware(datetime.datetime(2023, 1, 11, 17, 0))
    services.session_update(
        actor=world.users["officer"], session=session, **session_kwargs(number=1, motion_deadline=deadline)
    )
    session.refresh_from_db()
    assert session.start_date == D(2023, 1, 10) and session.motion_deadline == deadline
    row = audit_rows(session, "update").get()
    assert row.before["start_date"] == "2022-01-20" and row.after["start_date"] == "2023-01-10"


# --- organs -------------------------------------------------------------------------------------------


def test_organ_rules(world):
    county, town = world.congresses["county"], world.congresses["town"]
    sc = services.organ_create(actor=world.users["officer"], congress=county, kind="standing_committee", name="常委会")
    assert audit_rows(sc, "create").exists()
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=county, kind="standing_committee", name="第二常委会")
    assert exc.value.field == "kind"
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=county, kind="working_body", name="常委会")
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=town, kind="standing_committee", name="镇常委会")
    assert exc.value.field == "kind"
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=town, kind="special_committee", name="镇专委")
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=county, kind="nonsense", name="X")
    assert exc.value.field == "kind"
    presidium = services.organ_create(actor=None, congress=town, kind="presidium", name="东风镇人大主席团")
    assert presidium.pk
    with pytest.raises(ValidationFailed) as exc:
        services.organ_create(actor=None, congress=town, kind="working_body", name="办公室", parent=sc)
    assert exc.value.field == "parent"  # another congress's organ

    wb = services.organ_create(actor=None, congress=county, kind="working_body", name="代表工作委员会", parent=sc)
    with pytest.raises(ValidationFailed) as exc:
        services.organ_update(actor=None, organ=sc, kind="standing_committee", name="常委会", parent=wb)
    assert exc.value.field == "parent"  # a cycle
    services.organ_update(actor=world.users["officer"], organ=wb, kind="working_body", name="代表联络室", parent=sc)
    wb.refresh_from_db()
    assert wb.name == "代表联络室"
    assert audit_rows(wb, "update").get().after == {"name": "代表联络室"}
    assert Organ.objects.filter(congress=county).count() == 2


# --- units --------------------------------------------------------------------------------------------


def test_unit_rules(world):
    gov, edu, other = world.units["county_gov"], world.units["county_edu"], world.units["other_edu"]
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(actor=None, region=world.regions["county"], name="甲一县教育局", kind="department")
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(actor=None, region=world.regions["county"], name="新局", kind="department", parent=other)
    assert exc.value.field == "parent"
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(actor=None, region=world.regions["county"], name="新局", kind="spaceship")
    assert exc.value.field == "kind"

    services.unit_update(
        actor=world.users["officer"], unit=edu, name="甲一县教育和体育局", kind="department", parent=gov
    )
    edu.refresh_from_db()
    assert edu.name == "甲一县教育和体育局" and edu.parent == gov
    assert audit_rows(edu, "update").get().after == {"name": "甲一县教育和体育局", "parent": gov.pk}
    with pytest.raises(ValidationFailed) as exc:
        services.unit_update(actor=None, unit=gov, name=gov.name, kind="government", parent=edu)
    assert exc.value.field == "parent"  # a cycle
    with pytest.raises(ValidationFailed):
        services.unit_update(actor=None, unit=edu, name="甲一县人民政府", kind="department", parent=gov)


def test_unit_deactivate_and_reactivate(world):
    gov, edu = world.units["county_gov"], world.units["county_edu"]
    services.unit_update(actor=None, unit=edu, name=edu.name, kind="department", parent=gov)
    with pytest.raises(ValidationFailed):
        services.unit_deactivate(actor=None, unit=gov)  # an active department remains
    services.unit_deactivate(actor=world.users["officer"], unit=edu, reason="机构改革")
    services.unit_deactivate(actor=world.users["officer"], unit=gov, reason="机构改革")
    assert not HandlingUnit.objects.get(pk=gov.pk).is_active
    with pytest.raises(ValidationFailed):
        services.unit_deactivate(actor=None, unit=gov)
    with pytest.raises(ValidationFailed):
        services.unit_reactivate(actor=None, unit=edu)  # its government is inactive
    row = audit_rows(edu, "update").filter(reason="机构改革").get()
    assert row.before == {"is_active": True} and row.after == {"is_active": False}
    services.unit_reactivate(actor=None, unit=gov)
    services.unit_reactivate(actor=None, unit=edu)
    assert HandlingUnit.objects.filter(pk__in=[gov.pk, edu.pk], is_active=True).count() == 2


def test_database_refuses_what_the_services_refuse(world):
    """The model constraints back the services up."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Congress.objects.filter(pk=world.congresses["county"].pk).update(motion_threshold=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            term=world.terms["county"],
            number=9,
            start_date=D(2023, 1, 1),
            end_date=D(2023, 1, 2),
            notice_date=D(2023, 1, 5),
        )
    assert Term.objects.count() == 8
