import datetime

import pytest
from django.utils import timezone

from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies import services
from liaison.deputies.errors import AlreadyMember, GroupAlreadyHasLeader, HouseholdAlreadyLinked, NotServing
from liaison.deputies.models import GroupMembership, Household, HouseholdLink

pytestmark = pytest.mark.django_db


def test_group_create_update_and_audit(dw):
    officer = dw.w.users["officer"]
    group = services.group_create(actor=officer, name="县直小组", region=dw.w.regions["county"])
    assert AuditLog.objects.filter(model="deputies.DeputyGroup", object_id=str(group.pk), action="create").exists()
    with pytest.raises(ValidationFailed) as exc:
        services.group_create(actor=officer, name="县直小组", region=dw.w.regions["county"])
    assert exc.value.field == "name"
    group = services.group_update(actor=officer, group=group, data={"name": "县直一组", "station": dw.stations["s"]})
    assert group.station == dw.stations["s"]
    log = AuditLog.objects.get(model="deputies.DeputyGroup", object_id=str(group.pk), action="update")
    assert log.after["name"] == "县直一组"
    with pytest.raises(NotFound):
        services.group_create(actor=officer, name="乙组", region=dw.w.regions["other_county"])


def test_home_station_must_be_in_the_groups_region(dw):
    group = services.group_create(actor=None, name="西河小组", region=dw.w.regions["town2"])
    with pytest.raises(ValidationFailed) as exc:
        services.group_update(actor=None, group=group, data={"station": dw.stations["s"]})
    assert exc.value.field == "station"


def test_membership_mixes_levels_with_one_leader(dw):
    officer = dw.w.users["officer"]
    group = dw.groups["g"]  # township group led by 张三丰 (county mandate)
    services.membership_add(actor=officer, group=group, mandate=dw.mandates["li"], position="deputy_leader")
    with pytest.raises(GroupAlreadyHasLeader) as exc:
        services.membership_add(actor=officer, group=group, mandate=dw.mandates["zhang_town"], position="leader")
    assert "张三丰" in str(exc.value.message)
    with pytest.raises(AlreadyMember):
        services.membership_add(actor=officer, group=group, mandate=dw.mandates["li"])
    li = GroupMembership.objects.get(group=group, mandate=dw.mandates["li"])
    with pytest.raises(GroupAlreadyHasLeader):
        services.membership_set_position(actor=officer, membership=li, position="leader")
    leader = GroupMembership.objects.get(group=group, position="leader")
    services.membership_set_position(actor=officer, membership=leader, position="member")
    services.membership_set_position(actor=officer, membership=li, position="leader")
    assert GroupMembership.objects.get(group=group, position="leader").mandate == dw.mandates["li"]
    levels = set(GroupMembership.objects.filter(group=group).values_list("mandate__level", flat=True))
    assert levels == {"county", "township"}
    services.membership_remove(actor=officer, membership=li)
    assert not GroupMembership.objects.filter(pk=li.pk).exists()
    assert AuditLog.objects.filter(model="deputies.GroupMembership", object_id=str(li.pk), action="delete").exists()


def test_only_serving_deputies_join(dw):
    officer = dw.w.users["officer"]
    services.mandate_change_status(
        actor=officer, mandate=dw.mandates["li"], status="resigned", date=datetime.date(2023, 1, 1), reason="辞职"
    )
    with pytest.raises(NotServing):
        services.membership_add(actor=officer, group=dw.groups["g"], mandate=dw.mandates["li"])


def test_membership_outside_scope(dw):
    with pytest.raises(NotFound):
        services.membership_add(actor=dw.w.users["officer"], group=dw.groups["g"], mandate=dw.mandates["zhao"])


def test_household_create_is_encrypted_and_audit_masks_contacts(dw):
    officer = dw.w.users["officer"]
    household = services.household_create(
        actor=officer,
        name="刘大",
        kind="poor",
        region=dw.w.regions["village"],
        phone="139 1111 2222",
        address="红星村3组",
    )
    household.refresh_from_db()
    assert household.phone == "13911112222"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select phone, address from deputies_household where id = %s", [household.pk])
        raw_phone, raw_address = cursor.fetchone()
    assert raw_phone.startswith("v1:") and "1391111" not in raw_phone
    assert "红星村" not in raw_address
    log = AuditLog.objects.get(model="deputies.Household", object_id=str(household.pk))
    assert log.after["phone"] == "***" and log.after["address"] == "***"
    with pytest.raises(ValidationFailed) as exc:
        services.household_create(actor=officer, name="x", kind="rich", region=dw.w.regions["village"])
    assert exc.value.field == "kind"


def test_household_links_of_three_kinds(dw):
    officer = dw.w.users["officer"]
    wang = dw.persons["wang"]
    for kind in Household.Kind.values:
        household = services.household_create(actor=officer, name=f"户{kind}", kind=kind, region=dw.w.regions["town"])
        link = services.household_link(actor=officer, household=household, person=wang)
        assert link.since == timezone.localdate()
    assert set(HouseholdLink.objects.filter(person=wang).values_list("household__kind", flat=True)) == set(
        Household.Kind.values
    )
    with pytest.raises(HouseholdAlreadyLinked):
        services.household_link(actor=officer, household=household, person=wang)
    services.household_unlink(actor=officer, link=link)
    assert AuditLog.objects.filter(model="deputies.HouseholdLink", action="delete").count() == 1


def test_household_link_needs_a_serving_deputy_in_scope(dw):
    officer = dw.w.users["officer"]
    household = services.household_create(actor=officer, name="陈二", kind="worthy", region=dw.w.regions["town"])
    nobody = services.person_create(actor=officer, name="未当选", gender="m", region=dw.w.regions["town"])
    with pytest.raises(NotServing):
        services.household_link(actor=officer, household=household, person=nobody)
    with pytest.raises(NotFound):
        services.household_link(actor=officer, household=household, person=dw.persons["zhao"])
