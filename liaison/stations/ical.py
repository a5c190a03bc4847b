"""The iCalendar feed of a station's published roster (RFC 5545). Times carry TZID=Asia/Shanghai
with its VTIMEZONE (UTC+8, no daylight saving since 1991); each slot has a stable UID."""

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from .models import DutySlot, Station

TZID = "Asia/Shanghai"


def _timezone() -> icalendar.Timezone:
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    standard = icalendar.TimezoneStandard()
    standard.add("dtstart", datetime.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", datetime.timedelta(hours=8))
    standard.add("tzoffsetto", datetime.timedelta(hours=8))
    standard.add("tzname", "CST")
    tz.add_component(standard)
    return tz


def slot_uid(slot: DutySlot) -> str:
    host = urlsplit(settings.SITE_BASE_URL).hostname or "liaison.local"
    return f"dutyslot-{slot.pk}@{host}"


def roster_calendar(*, station: Station, slots: list[DutySlot]) -> bytes:
    zone = ZoneInfo(TZID)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Liaison//Duty roster//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("%(station)s reception days") % {"station": station.name})
    cal.add("x-wr-timezone", TZID)
    cal.add_component(_timezone())
    page = settings.SITE_BASE_URL.rstrip("/") + f"/stations/{station.pk}/"
    for slot in slots:
        names = "、".join(p.name for p in slot.deputies.all())
        event = icalendar.Event()
        event.add("uid", slot_uid(slot))
        event.add("dtstamp", (slot.published_at or slot.updated_at).astimezone(datetime.UTC))
        event.add("last-modified", slot.updated_at.astimezone(datetime.UTC))
        event.add("dtstart", datetime.datetime.combine(slot.date, slot.start_time, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(slot.date, slot.end_time, tzinfo=zone))
        summary = _("Deputies receive visitors: %(station)s") % {"station": station.name}
        event.add("summary", summary)
        lines = []
        if slot.topic:
            lines.append(_("Topic: %(topic)s") % {"topic": slot.topic})
        if names:
            lines.append(_("Deputies on duty: %(names)s") % {"names": names})
        lines.append(page)
        event.add("description", "\n".join(lines))
        event.add("location", f"{station.name}，{station.address}")
        event.add("url", page)
        if station.latitude is not None and station.longitude is not None:
            event.add("geo", (float(station.latitude), float(station.longitude)))
        cal.add_component(event)
    return cal.to_ical()
