"""`manage.py demo` and `manage.py gen_data`: what they create, and that the demo is idempotent."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from liaison.accounts.models import Role, User
from liaison.core.management.commands.demo import DEMO_PASSWORD
from liaison.deputies.models import Household, HouseholdLink, Mandate, Person
from liaison.regions.models import Level, Region
from liaison.stations.models import DutyAssignment, DutySlot, StandardEvidence, Station, StationDeputy


def table_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label != "sessions"}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for the module (it is the slow part), rolled back afterwards."""
    from django.db import transaction
    from django.test import override_settings

    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            first, second = io.StringIO(), io.StringIO()
            call_command("demo", stdout=first)
            before = table_counts()
            call_command("demo", stdout=second)
            after = table_counts()
            yield {
                "first": first.getvalue(),
                "second": second.getvalue(),
                "before": before,
                "after": after,
                "media": media,
            }
            transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_second_run_changes_nothing(demo):
    assert demo["before"] == demo["after"]
    assert "regions: 0 created" in demo["second"]
    assert "deputies: already loaded" in demo["second"]


def test_demo_size_and_shape(demo):
    mandates = Mandate.objects.filter(region_path__startswith=Region.objects.get(code="990100000000").path)
    by_level = dict(mandates.values_list("level").annotate(n=Count("id")))
    assert 280 <= by_level[Level.PREFECTURE] <= 320
    assert 420 <= by_level[Level.COUNTY] <= 480
    assert 400 <= by_level[Level.TOWNSHIP] <= 520
    assert 1100 <= sum(by_level.values()) <= 1300
    assert Region.objects.filter(code__startswith="99", level=Level.COUNTY).count() == 3
    assert Region.objects.filter(code__startswith="99", level=Level.TOWNSHIP).count() == 15
    # denormalized copies agree with their sources
    assert not Mandate.objects.exclude(region_path=F("congress__region__path")).exists()
    assert not Mandate.objects.exclude(level=F("congress__level")).exists()
    assert not Mandate.objects.exclude(name_pinyin=F("person__name_pinyin")).exists()
    assert not Mandate.objects.exclude(person_name=F("person__name")).exists()
    assert not Person.objects.filter(region__isnull=True).exists()
    assert not Mandate.objects.filter(history__isnull=True).exists()  # every mandate has its history
    assert not Station.objects.exclude(region_path=F("region__path")).exists()
    assert not DutyAssignment.objects.exclude(date=F("slot__date")).exists()
    assert not DutyAssignment.objects.exclude(start_time=F("slot__start_time")).exists()
    person = Person.objects.exclude(name_initials="").first()
    assert person.name_pinyin and person.name_initials[0] == person.name_pinyin[0]
    # some hold a township and a county seat; direct and indirect elections are both there
    assert Person.objects.annotate(n=Count("mandates")).filter(n__gte=2).count() > 100
    assert mandates.filter(level=Level.PREFECTURE, election="indirect", electing_congress__level=Level.COUNTY).count()
    assert mandates.filter(level=Level.COUNTY, election="direct", district__isnull=False).count()
    assert mandates.exclude(status=Mandate.Status.SERVING).count() >= 3


def test_demo_stations_roster_and_households(demo):
    stations = Station.objects.filter(region_path__startswith=Region.objects.get(code="990000000000").path)
    assert stations.count() == 60
    assert set(stations.values_list("kind", flat=True)) == {"home", "office", "post"}
    assert not stations.filter(latitude__isnull=True).exists()
    assert StationDeputy.objects.filter(station__in=stations).count() > 900
    slots = DutySlot.objects.filter(station__in=stations)
    assert slots.count() > 500 and not slots.filter(published_at__isnull=True).exists()
    assert slots.filter(date__day__in=[10, 11, 12]).exists()  # the monthly reception day
    # nobody is in two places at once
    overlapping = DutyAssignment.objects.values("person", "date", "start_time").annotate(n=Count("id")).filter(n__gt=1)
    assert not overlapping.exists()
    evidence = StandardEvidence.objects.filter(station__in=stations).first()
    assert (demo["media"] / evidence.file.name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # households of the three kinds per linked deputy, contact encrypted at rest
    assert Household.objects.values("kind").distinct().count() == 3
    link = HouseholdLink.objects.select_related("household").first()
    assert HouseholdLink.objects.filter(person=link.person).values("household__kind").distinct().count() == 3
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM deputies_household WHERE id = %s", [link.household_id])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and link.household.phone not in stored


def test_demo_deputies_have_drawn_portraits(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liaison.deputies.services import photo_validate

    people = Person.objects.filter(region__path__startswith=Region.objects.get(code="990100000000").path)
    with_photo = people.exclude(photo="")
    assert 0.3 < with_photo.count() / people.count() < 0.5
    person = with_photo.order_by("pk").first()
    data = (demo["media"] / person.photo.name).read_bytes()
    assert photo_validate(SimpleUploadedFile("p.png", data)) == "png"  # what an upload must pass
    assert len(set(with_photo.values_list("photo", flat=True))) == with_photo.count()  # a file each
    assert "portraits: already there" in demo["second"]


def test_demo_accounts_for_every_role(demo, client):
    kinds = set(Role.objects.filter(user__username__in=DEMO_USERS).values_list("kind", flat=True))
    assert kinds == set(Role.Kind.values)
    validate_password(DEMO_PASSWORD)
    for username in DEMO_USERS:
        assert username in demo["first"] and username in demo["second"]
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in demo["first"] and "/accounts/login/" in demo["first"]
    deputy = Role.objects.get(user__username="deputy", kind=Role.Kind.DEPUTY).person
    assert deputy.mandates.count() >= 2 and deputy.duty_assignments.exists()
    response = client.post("/accounts/login/", {"username": "county_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302


DEMO_USERS = [
    "sysadmin",
    "secadmin",
    "auditor",
    "city_officer",
    "county_officer",
    "town_officer",
    "leader",
    "station_staff",
    "unit_staff",
    "deputy",
]


@pytest.mark.django_db(transaction=False)
def test_gen_data_township_scale():
    out = io.StringIO()
    call_command("gen_data", "--scale", "township", stdout=out)
    root = Region.objects.get(code="980000000000")
    mandates = Mandate.objects.filter(region_path__startswith=root.path)
    assert mandates.count() == 76
    assert set(mandates.values_list("level", flat=True)) == {Level.TOWNSHIP}
    assert Person.objects.filter(mandates__in=mandates).distinct().count() == 76
    assert Region.objects.filter(path__startswith=root.path).count() == 1 + 1 + 1 + 1 + 10
    assert not Region.objects.exclude(parent=None).exclude(path__startswith=F("parent__path")).exists()
    stations = Station.objects.filter(region_path__startswith=root.path)
    assert stations.count() == 6
    assert StationDeputy.objects.filter(station__in=stations).count() == 76
    assert DutySlot.objects.filter(station__in=stations).count() > 10
    assert not DutyAssignment.objects.exclude(date=F("slot__date")).exists()
    assert not Mandate.objects.exclude(region_path=F("congress__region__path")).exists()
    assert not Mandate.objects.exclude(name_initials=F("person__name_initials")).exists()
    assert not Mandate.objects.filter(history__isnull=True).exists()
    assert not Station.objects.exclude(region_path=F("region__path")).exists()
    assert Person.objects.filter(mandates__in=mandates, region__level=Level.TOWNSHIP).distinct().count() == 76
    person = Person.objects.filter(mandates__in=mandates).first()
    assert person.name_pinyin and person.name_initials
    assert "deputies_mandate" in out.getvalue()  # timings per table
    # the ids continue after a bulk load
    Person.objects.create(name="新代表", name_pinyin="xindaibiao", name_initials="xdb", gender="f")
    with pytest.raises(CommandError):
        call_command("gen_data", "--scale", "township", stdout=io.StringIO())
