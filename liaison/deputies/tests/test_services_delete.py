"""Households edited and deleted; groups and persons deleted — refused, with the reason, wherever the
deletion would lose history (services: "Deleting records")."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liaison.accounts.models import Role
from liaison.core.exceptions import NotFound
from liaison.core.models import AuditLog
from liaison.core.testing import make_user
from liaison.deputies import errors, services
from liaison.deputies.models import DeputyGroup, Household, HouseholdLink, Person
from liaison.stations.models import StationDeputy

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def audit_rows(obj, action):
    return AuditLog.objects.filter(model=obj._meta.label, object_id=str(obj.pk), action=action)


def test_household_update_changes_fields_and_audits_masked_contacts(dw):
    officer = dw.w.users["officer"]
    household = services.household_create(actor=officer, name="刘大", kind="poor", region=dw.w.regions["village"])
    updated = services.household_update(
        actor=officer,
        household=household,
        data={"name": " 刘大山 ", "kind": "worthy", "phone": "+86 139-1111-2222", "address": "红星村3组"},
    )
    updated = Household.objects.get(pk=updated.pk)
    assert (updated.name, updated.kind, updated.phone, updated.address) == (
        "刘大山",
        "worthy",
        "13911112222",
        "红星村3组",
    )
    row = audit_rows(household, AuditLog.Action.UPDATE).get()
    assert row.after["name"] == "刘大山" and row.after["phone"] == "***" and row.before["phone"] == ""
    assert "13911112222" not in str(row.after) and "红星村" not in str(row.after)
    services.household_update(actor=officer, household=updated, data={"name": "刘大山"})  # nothing changed
    assert audit_rows(household, AuditLog.Action.UPDATE).count() == 1


def test_household_update_validates_and_keeps_to_the_scope(dw):
    officer = dw.w.users["officer"]
    household = services.household_create(actor=officer, name="刘大", kind="poor", region=dw.w.regions["village"])
    with pytest.raises(services.ValidationFailed) as info:
        services.household_update(actor=officer, household=household, data={"phone": "abc"})
    assert info.value.field == "phone"
    with pytest.raises(services.ValidationFailed):
        services.household_update(actor=officer, household=household, data={"name": "  "})
    with pytest.raises(NotFound):  # moved to a region outside the officer's county
        services.household_update(actor=officer, household=household, data={"region": dw.w.regions["town2"]})
    with pytest.raises(NotFound):
        services.household_update(actor=dw.w.users["other_officer"], household=household, data={"name": "x"})
    assert Household.objects.get(pk=household.pk).name == "刘大"


def test_household_delete_refused_while_linked(dw):
    officer = dw.w.users["officer"]
    household = services.household_create(actor=officer, name="刘大", kind="poor", region=dw.w.regions["village"])
    link = services.household_link(actor=officer, household=household, person=dw.persons["wang"])
    with pytest.raises(errors.HouseholdHasLinks):
        services.household_delete(actor=officer, household=household)
    assert Household.objects.filter(pk=household.pk).exists()
    services.household_unlink(actor=officer, link=link)
    with pytest.raises(NotFound):
        services.household_delete(actor=dw.w.users["other_officer"], household=household)
    services.household_delete(actor=officer, household=household)
    assert not Household.objects.filter(pk=household.pk).exists()
    row = audit_rows(household, AuditLog.Action.DELETE).get()
    assert row.before["name"] == "刘大" and row.actor == officer


def test_group_delete_refused_while_it_has_members(dw):
    officer = dw.w.users["officer"]
    group = dw.groups["g"]
    with pytest.raises(errors.GroupHasMembers) as info:
        services.group_delete(actor=officer, group=group)
    assert "remove them first" in str(info.value.message).lower() or info.value.code == "group_has_members"
    for membership in group.memberships.all():
        services.membership_remove(actor=officer, membership=membership)
    with pytest.raises(NotFound):
        services.group_delete(actor=dw.w.users["other_officer"], group=group)
    services.group_delete(actor=officer, group=group)
    assert not DeputyGroup.objects.filter(pk=group.pk).exists()
    assert audit_rows(group, AuditLog.Action.DELETE).get().before["name"] == "东风小组"


def test_person_with_mandates_is_never_deleted(dw):
    officer = dw.w.users["officer"]
    li = dw.persons["li"]
    with pytest.raises(errors.PersonHasMandates) as info:
        services.person_delete(actor=officer, person=li)
    assert info.value.code == "person_has_mandates"
    services.mandate_change_status(
        actor=None, mandate=dw.mandates["li"], status="resigned", date=datetime.date(2023, 1, 1), reason="辞职"
    )
    with pytest.raises(errors.PersonHasMandates):  # a former deputy: the record is history
        services.person_delete(actor=officer, person=li)
    assert Person.objects.filter(pk=li.pk).exists()
    assert not audit_rows(li, AuditLog.Action.DELETE).exists()


def test_person_recorded_by_mistake_is_deleted_with_the_photo(dw, django_capture_on_commit_callbacks):
    officer = dw.w.users["officer"]
    person = services.person_create(
        actor=officer,
        name="误录",
        gender="m",
        region=dw.w.regions["town"],
        photo=SimpleUploadedFile("p.png", png_bytes()),
    )
    storage, name = person.photo.storage, person.photo.name
    assert storage.exists(name)
    with pytest.raises(NotFound):
        services.person_delete(actor=dw.w.users["other_officer"], person=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.person_delete(actor=officer, person=person)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not storage.exists(name)
    assert audit_rows(person, AuditLog.Action.DELETE).get().before["name"] == "误录"


def test_person_with_an_account_or_links_is_refused(dw):
    officer = dw.w.users["officer"]
    person = services.person_create(actor=officer, name="未任", gender="f", region=dw.w.regions["town"])
    # the services assign only serving deputies; a row left from before is still a link that blocks
    StationDeputy.objects.create(station=dw.stations["s"], person=person)
    with pytest.raises(errors.PersonInUse):
        services.person_delete(actor=officer, person=person)
    other = services.person_create(actor=officer, name="有号", gender="f", region=dw.w.regions["town"])
    Role.objects.create(user=make_user("haohao"), kind=Role.Kind.DEPUTY, person=other, is_active=False)
    with pytest.raises(errors.PersonHasAccount):
        services.person_delete(actor=officer, person=other)
    assert Person.objects.filter(pk__in=[person.pk, other.pk]).count() == 2
    assert not HouseholdLink.objects.filter(person=person).exists()


def test_refusal_messages_are_translated(dw):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert "代表资格" in str(errors.PersonHasMandates().message) or "任期" in str(
            errors.PersonHasMandates().message
        )
