"""Background work of the stations part: the reminder of the duty roster (DESIGN §3 "DutySlot roster
with reminders"), a periodic job every hour (liaison.notifications.schedule).

For each published duty slot that starts within ROSTER_REMINDER_DAYS days, each deputy on it is
reminded once: in-app to every active user holding the deputy role for that person, and by SMS to the
person's phone when it is a mobile number. The notifications' once-only keys name the slot, its date
and times and the person (and the user for in-app), so a re-run never sends twice, while a slot moved
to another time reminds again."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from liaison.accounts.models import Role
from liaison.core import crypto
from liaison.notifications.models import Notification
from liaison.notifications.schedule import register_periodic
from liaison.notifications.services import notify

from .models import DutyAssignment

REMINDER_KIND = "stations.duty_reminder"
SMS_HOURS = range(8, 21)  # local hours in which reminders are texted


def _key(a: DutyAssignment) -> str:
    return f"duty:{a.slot_id}:{a.date:%Y%m%d}{a.start_time:%H%M}{a.end_time:%H%M}:p{a.person_id}"


def _context(a: DutyAssignment) -> dict:
    slot, station = a.slot, a.slot.station
    return {
        "name": a.person.name,
        "station": station.name,
        "station_id": station.pk,
        "address": station.address,
        "date": a.date.isoformat(),
        "start": a.start_time.strftime("%H:%M"),
        "end": a.end_time.strftime("%H:%M"),
        "topic": f" {slot.topic}" if slot.topic else "",
    }


def _sent_keys(slot_ids: set[int]) -> set[tuple[str, str]]:
    """(channel, once-only key) of the reminders already written for these slots."""
    ids = sorted(str(pk) for pk in slot_ids)
    found: set[tuple[str, str]] = set()
    for i in range(0, len(ids), 500):
        found.update(
            Notification.objects.filter(
                kind=REMINDER_KIND, related_type="stations.dutyslot", related_id__in=ids[i : i + 500]
            ).values_list("channel", "dedupe_key")
        )
    return found


def roster_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the deputies of the published slots starting between now and ROSTER_REMINDER_DAYS days
    from now. In-app reminders go at any hour; SMS only between SMS_HOURS (8:00–21:00 local time), so
    a slot published at night is texted in the morning. Returns the number of notifications written
    (0 on a re-run)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    last_day = today + datetime.timedelta(days=settings.ROSTER_REMINDER_DAYS)
    assignments = [
        a
        for a in DutyAssignment.objects.filter(
            date__gte=today, date__lte=last_day, slot__published_at__isnull=False
        ).select_related("slot__station", "person")
        if timezone.make_aware(datetime.datetime.combine(a.date, a.start_time)) > now
    ]
    if not assignments:
        return 0
    users: dict[int, list] = {}
    for role in Role.objects.filter(
        kind=Role.Kind.DEPUTY, is_active=True, user__is_active=True, person_id__in={a.person_id for a in assignments}
    ).select_related("user"):
        users.setdefault(role.person_id, []).append(role.user)
    sent = _sent_keys({a.slot_id for a in assignments})
    texting = local.hour in SMS_HOURS
    written = 0
    for a in assignments:
        key = _key(a)
        with transaction.atomic():  # one deputy at a time: a failure leaves the others' reminders
            for user in sorted(users.get(a.person_id, []), key=lambda u: u.pk):
                user_key = f"{key}:u{user.pk}"
                if ("in_app", user_key) not in sent:
                    written += len(
                        notify(kind=REMINDER_KIND, context=_context(a), user=user, dedupe_key=user_key, related=a.slot)
                    )
            if texting and ("sms", key) not in sent and crypto.is_mobile_phone(a.person.phone):
                written += len(
                    notify(
                        kind=REMINDER_KIND,
                        context=_context(a),
                        phone=a.person.phone,
                        channels=("sms",),
                        dedupe_key=key,
                        related=a.slot,
                    )
                )
    return written


@task()
def send_roster_reminders() -> int:
    return roster_reminders_send()


register_periodic("stations.roster_reminders", every=datetime.timedelta(hours=1), task=send_roster_reminders)
