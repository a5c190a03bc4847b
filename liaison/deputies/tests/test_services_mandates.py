import datetime

import pytest
from django.utils import translation

from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies import services
from liaison.deputies.errors import (
    ElectionSourceInvalid,
    MandateDatesInvalid,
    MandateOverlap,
    StatusChangeNotAllowed,
)
from liaison.deputies.models import Mandate, MandateStatusChange

pytestmark = pytest.mark.django_db

D = datetime.date


def new_person(dw, name="孙九", region_key="county"):
    return services.person_create(actor=None, name=name, gender="m", region=dw.w.regions[region_key])


def direct(dw, person, key="county", **kw):
    w = dw.w
    data = {
        "actor": w.users["officer"],
        "person": person,
        "congress": w.congresses[key],
        "term": w.terms[key],
        "election": Mandate.Election.DIRECT,
        "district": dw.districts[key],
    }
    data.update(kw)
    return services.mandate_create(**data)


def test_mandate_copies_region_level_and_name(dw):
    person = new_person(dw)
    mandate = direct(dw, person, key="town")
    town = dw.w.regions["town"]
    assert (mandate.level, mandate.region_path) == ("township", town.path)
    assert (mandate.person_name, mandate.name_pinyin, mandate.name_initials) == ("孙九", "sunjiu", "sj")
    assert mandate.start_date == dw.w.terms["town"].start_date
    assert mandate.status == Mandate.Status.SERVING
    history = list(mandate.history.all())
    assert [h.status for h in history] == ["serving"]
    log = AuditLog.objects.get(model="deputies.Mandate", object_id=str(mandate.pk))
    assert log.action == "create" and log.after["region_path"] == town.path


def test_direct_election_needs_a_district_of_this_congress(dw):
    person = new_person(dw)
    with pytest.raises(ElectionSourceInvalid) as exc:
        direct(dw, person, district=None)
    assert exc.value.field == "district"
    with pytest.raises(ElectionSourceInvalid) as exc, translation.override("en"):
        direct(dw, person, district=dw.districts["town"])
    assert "another congress" in str(exc.value.message)
    with pytest.raises(ElectionSourceInvalid) as exc:  # the interface's default language
        direct(dw, person, district=dw.districts["town"])
    assert "属于其他人大" in str(exc.value.message)


def test_indirect_election_rules(dw):
    w = dw.w
    person = new_person(dw)
    base = {
        "actor": w.users["pref_officer"],
        "person": person,
        "congress": w.congresses["pref"],
        "term": w.terms["pref"],
        "election": Mandate.Election.INDIRECT,
    }
    with pytest.raises(ElectionSourceInvalid) as exc:
        services.mandate_create(**base)
    assert exc.value.field == "electing_congress"
    with pytest.raises(ElectionSourceInvalid) as exc, translation.override("en"):
        services.mandate_create(**base, electing_congress=w.congresses["pref"])
    assert "own deputies" in str(exc.value.message)
    with pytest.raises(ElectionSourceInvalid):  # a township congress is two levels below
        services.mandate_create(**base, electing_congress=w.congresses["town"])
    with pytest.raises(ElectionSourceInvalid):  # a county of another prefecture
        services.mandate_create(**base, electing_congress=w.congresses["other_county"])
    mandate = services.mandate_create(**base, electing_congress=w.congresses["county2"])
    assert mandate.electing_congress == w.congresses["county2"]
    assert mandate.district is None


def test_election_kind_must_fit_the_level(dw):
    person = new_person(dw)
    w = dw.w
    with pytest.raises(ElectionSourceInvalid) as exc:  # county deputies are elected directly
        services.mandate_create(
            actor=None,
            person=person,
            congress=w.congresses["county"],
            term=w.terms["county"],
            election=Mandate.Election.INDIRECT,
            electing_congress=w.congresses["town"],
        )
    assert exc.value.field == "election"
    with pytest.raises(ElectionSourceInvalid):  # prefecture deputies are not elected by voters
        services.mandate_create(
            actor=None,
            person=person,
            congress=w.congresses["pref"],
            term=w.terms["pref"],
            election=Mandate.Election.DIRECT,
            district=dw.districts["county"],
        )


def test_term_of_another_congress(dw):
    with pytest.raises(ValidationFailed) as exc:
        direct(dw, new_person(dw), term=dw.w.terms["town"])
    assert exc.value.field == "term"


def test_dates_must_be_in_order_and_inside_the_term(dw):
    person = new_person(dw)
    with pytest.raises(MandateDatesInvalid) as exc:
        direct(dw, person, start_date=D(2021, 12, 31))
    assert exc.value.field == "start_date"
    with pytest.raises(MandateDatesInvalid) as exc:
        direct(dw, person, start_date=D(2023, 1, 1), end_date=D(2022, 6, 1))
    assert exc.value.field == "end_date"
    with pytest.raises(MandateDatesInvalid):
        direct(dw, person, start_date=D(2023, 1, 1), end_date=D(2027, 6, 1))
    assert not Mandate.objects.filter(person=person).exists()


def test_no_overlapping_mandates_in_one_term(dw):
    person = new_person(dw)
    direct(dw, person)
    with pytest.raises(MandateOverlap):
        direct(dw, person, start_date=D(2024, 1, 1))
    # another congress at the same time is fine (township and county deputy at once)
    direct(dw, person, key="town")


def test_later_mandate_after_the_first_ended(dw):
    person = new_person(dw)
    first = direct(dw, person)
    services.mandate_change_status(
        actor=dw.w.users["officer"], mandate=first, status="resigned", date=D(2023, 3, 31), reason="辞职"
    )
    with pytest.raises(MandateOverlap):  # starts before the first one ended
        direct(dw, person, start_date=D(2023, 3, 1))
    second = direct(dw, person, start_date=D(2024, 5, 1))  # re-elected in a by-election
    assert second.status == "serving"


def test_change_status_records_history_and_audit(dw):
    mandate = dw.mandates["li"]
    change = services.mandate_change_status(
        actor=dw.w.users["officer"], mandate=mandate, status="recalled", date=D(2024, 6, 1), reason="选民罢免"
    )
    mandate.refresh_from_db()
    assert (mandate.status, mandate.end_date) == ("recalled", D(2024, 6, 1))
    assert change.reason == "选民罢免" and change.recorded_by == dw.w.users["officer"]
    assert list(MandateStatusChange.objects.filter(mandate=mandate).values_list("status", flat=True)) == [
        "serving",
        "recalled",
    ]
    log = AuditLog.objects.get(model="deputies.Mandate", object_id=str(mandate.pk), action="transition")
    assert log.before == {"status": "serving", "end_date": None}
    assert log.after == {"status": "recalled", "end_date": "2024-06-01"}
    assert log.reason == "选民罢免"


def test_status_change_rules(dw):
    officer = dw.w.users["officer"]
    mandate = dw.mandates["li"]
    with pytest.raises(StatusChangeNotAllowed):
        services.mandate_change_status(actor=officer, mandate=mandate, status="serving", date=D(2024, 1, 1), reason="x")
    with pytest.raises(ValidationFailed) as exc:
        services.mandate_change_status(
            actor=officer, mandate=mandate, status="resigned", date=D(2024, 1, 1), reason=" "
        )
    assert exc.value.field == "reason"
    with pytest.raises(MandateDatesInvalid):
        services.mandate_change_status(
            actor=officer, mandate=mandate, status="resigned", date=D(2030, 1, 1), reason="辞职"
        )
    services.mandate_change_status(actor=officer, mandate=mandate, status="resigned", date=D(2024, 1, 1), reason="辞职")
    with pytest.raises(StatusChangeNotAllowed):
        services.mandate_change_status(
            actor=officer, mandate=mandate, status="recalled", date=D(2024, 2, 1), reason="x"
        )
    services.mandate_change_status(
        actor=officer, mandate=mandate, status="serving", date=D(2024, 1, 1), reason="误录，恢复"
    )
    mandate.refresh_from_db()
    assert mandate.status == "serving" and mandate.end_date is None


def test_status_change_outside_scope(dw):
    with pytest.raises(NotFound):
        services.mandate_change_status(
            actor=dw.w.users["officer"], mandate=dw.mandates["zhao"], status="resigned", date=D(2024, 1, 1), reason="x"
        )


def test_mandate_update(dw):
    officer = dw.w.users["officer"]
    delegation = services.delegation_create(actor=officer, congress=dw.w.congresses["county"], name="东风代表团")
    mandate = services.mandate_update(
        actor=officer, mandate=dw.mandates["li"], data={"delegation": delegation, "start_date": D(2022, 2, 1)}
    )
    assert mandate.delegation == delegation
    log = AuditLog.objects.get(model="deputies.Mandate", object_id=str(mandate.pk), action="update")
    assert log.after == {"delegation": delegation.pk, "start_date": "2022-02-01"}
    other = services.delegation_create(actor=None, congress=dw.w.congresses["town"], name="镇代表团")
    with pytest.raises(ValidationFailed) as exc:
        services.mandate_update(actor=officer, mandate=mandate, data={"delegation": other})
    assert exc.value.field == "delegation"
    with pytest.raises(ValueError):
        services.mandate_update(actor=officer, mandate=mandate, data={"status": "recalled"})


def test_directory_columns_follow_a_region_move(dw):
    from liaison.regions.services import region_move

    w = dw.w
    region_move(actor=None, region=w.regions["town"], new_parent=w.regions["county2"])
    mandate = Mandate.objects.get(pk=dw.mandates["wang"].pk)
    w.regions["town"].refresh_from_db()
    assert mandate.region_path == w.regions["town"].path


def test_directory_refresh_for_bulk_loads(dw):
    Mandate.objects.update(person_name="", name_pinyin="", name_initials="", region_path="")
    assert services.mandate_directory_refresh() == Mandate.objects.count()
    mandate = Mandate.objects.get(pk=dw.mandates["zhang_town"].pk)
    assert (mandate.person_name, mandate.name_initials) == ("张三丰", "zsf")
    assert mandate.region_path == dw.w.regions["town"].path and mandate.level == "township"
