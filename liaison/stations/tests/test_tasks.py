"""Roster reminders (liaison.stations.tasks): each deputy on a published slot starting within
ROSTER_REMINDER_DAYS is reminded once, in-app to the users holding their deputy role and by SMS."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from liaison.core.testing import make_user
from liaison.notifications.models import Notification
from liaison.stations import services
from liaison.stations.tasks import roster_reminders_send

from .conftest import T, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(sw, settings, tmp_path):
    """A published slot tomorrow 9–11 with the township deputy (who has a mobile number and an account),
    a draft slot tomorrow and a published slot in five days."""
    settings.ROSTER_MIN_NOTICE_DAYS = 0
    settings.NOTIFY_OUTBOX_FILE = tmp_path / "outbox.log"
    from liaison.deputies.services import person_update

    person_update(actor=None, person=sw.town_deputy, data={"phone": "13812345678"})
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.town_deputy)
    services.station_deputy_assign(actor=None, station=sw.station, person=sw.county_deputy)
    mk = services.slot_create
    slot = mk(
        actor=None,
        station=sw.station,
        date=day(1),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.town_deputy, sw.county_deputy],
        topic="乡村振兴",
        publish=True,
    )
    mk(actor=None, station=sw.station, date=day(1), start_time=T(14), end_time=T(15), deputies=[sw.town_deputy])
    mk(
        actor=None,
        station=sw.station,
        date=day(5),
        start_time=T(9),
        end_time=T(10),
        deputies=[sw.town_deputy],
        publish=True,
    )
    user = make_user("deputy_wang", name="王东风", roles=[("deputy", {"person": sw.town_deputy})])
    return slot, user


def at(hour: int) -> datetime.datetime:
    """Today at `hour` o'clock, local time."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour)))


def test_reminds_once_in_app_and_by_sms(sw, roster, django_capture_on_commit_callbacks, settings):
    slot, user = roster
    with django_capture_on_commit_callbacks(execute=True):
        assert roster_reminders_send(now=at(10)) == 2
    inbox = Notification.objects.get(channel="in_app")
    assert inbox.user == user and inbox.kind == "stations.duty_reminder"
    assert inbox.subject == f"{day(1).isoformat()}在东风镇代表联络站接待群众"
    assert "09:00至11:00" in inbox.body and "乡村振兴" in inbox.body
    assert inbox.url == f"/stations/{sw.station.pk}/"
    assert (inbox.related_type, inbox.related_id) == ("stations.dutyslot", str(slot.pk))
    sms = Notification.objects.get(channel="sms")
    assert sms.address == "13812345678" and sms.status == "sent"
    # the county deputy has neither account nor phone: nothing for them
    assert Notification.objects.count() == 2
    line = json.loads(settings.NOTIFY_OUTBOX_FILE.read_text(encoding="utf-8"))
    assert line["to"] == "138****5678" and "王东风代表" in line["body"]
    # a re-run (hourly) sends nothing more, also through the periodic job's command
    assert roster_reminders_send(now=at(11)) == 0
    call_command("run_periodic", "stations.roster_reminders")
    assert Notification.objects.count() == 2


def test_no_sms_at_night_but_in_app_at_once(sw, roster):
    assert roster_reminders_send(now=at(22)) == 1
    assert list(Notification.objects.values_list("channel", flat=True)) == ["in_app"]
    assert roster_reminders_send(now=at(8)) == 1  # the text goes in the morning
    assert Notification.objects.filter(channel="sms").count() == 1


def test_a_moved_slot_is_reminded_again(sw, roster):
    slot, _user = roster
    roster_reminders_send(now=at(10))
    services.slot_update(
        actor=None,
        slot=slot,
        date=day(2),
        start_time=T(9),
        end_time=T(11),
        deputies=[sw.town_deputy, sw.county_deputy],
        topic=slot.topic,
    )
    assert roster_reminders_send(now=at(10)) == 2
    assert Notification.objects.filter(channel="in_app").count() == 2


def test_every_user_of_the_deputy_is_told(sw, roster):
    make_user("deputy_wang_2", roles=[("deputy", {"person": sw.town_deputy})])
    make_user("retired", roles=[("deputy", {"person": sw.town_deputy})]).roles.update(is_active=False)
    assert roster_reminders_send(now=at(10)) == 3
    assert Notification.objects.filter(channel="in_app").count() == 2


def test_window_and_started_slots(sw, roster, settings):
    settings.ROSTER_REMINDER_DAYS = 5
    assert roster_reminders_send(now=at(10)) == 4  # tomorrow's and the one in five days, two channels each
    settings.ROSTER_REMINDER_DAYS = 0
    Notification.objects.all().delete()
    assert roster_reminders_send(now=at(10)) == 0  # nothing today
    slot, _user = roster
    settings.ROSTER_REMINDER_DAYS = 2
    late = timezone.make_aware(datetime.datetime.combine(day(1), datetime.time(9, 30)))
    assert roster_reminders_send(now=late) == 0  # already started
