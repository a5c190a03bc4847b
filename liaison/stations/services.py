"""Writes to stations (代表之家/工作室/联络站, 003 §77–85): the station record, its deputies (进站代表),
the evidence of the station standard (十有, 003 §80) and the duty roster (接待日, 000 §2, 002 §4(2)).

Every function takes the acting user as `actor` (None for the system itself: demo data, imports,
management commands), checks the same rules the views check (liaison.stations.rules), validates,
changes, and writes the audit record in the same transaction.

Decisions worth knowing:
- **Who can be assigned to a station.** A person holding a *serving* mandate of a congress whose
  region is the station's own region, one above it (a county or prefecture deputy enters a township
  station: 各级代表进站, 003 §80) or one below it (township deputies at the county's deputies' home).
  Deputies of a sibling region cannot be assigned.
- **Who can be on the roster.** Only deputies assigned to the station.
- **Drafts and notice.** A slot may be saved unpublished (a draft, not shown to the public) for any
  date from today on. Publishing needs the date to be at least ROSTER_MIN_NOTICE_DAYS days away
  (000 §2: 提前公布), so a draft for a sooner date can never be published, and at least one deputy.
  Once published, moving its date or times needs the same notice again; changing its deputies (a
  substitute for someone ill) or its topic is allowed at any time.
- **Two places at once.** A deputy cannot be on two slots (any station, drafts included) of the same
  date whose times overlap; slots that only touch (9–11 and 11–12) do not overlap. The check uses the
  date and times copied onto DutyAssignment, with the deputies' rows locked first, so two concurrent
  writers cannot both pass it.
- **Unassigning** a deputy who is still on an upcoming slot of the station is refused.
"""

import datetime
import os
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.accounts.models import Role
from liaison.core import files
from liaison.core.audit import audit_record, snapshot
from liaison.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies.models import Mandate, Person
from liaison.regions.models import Region, path_prefixes

from . import exceptions as errors
from . import rules as station_rules
from .models import DutyAssignment, DutySlot, StandardEvidence, StandardItem, Station, StationDeputy

# --- access ---------------------------------------------------------------------------------------


def _authorize(actor, perm: str, station: Station) -> None:
    """Outside the actor's scope answers like a missing station; inside it, a missing right is 403."""
    if actor is None:
        return
    if not station_rules.can(actor, "see_station", station):
        raise NotFound()
    if not station_rules.can(actor, perm, station):
        raise PermissionDenied()


def _check_region_in_scope(actor, region: Region) -> None:
    if actor is None:
        return
    if not station_rules.can(actor, "create_station"):
        raise PermissionDenied()
    paths = [r.region.path for r in actor.active_roles() if r.kind == Role.Kind.LIAISON_OFFICER]
    if not any(region.path.startswith(p) for p in paths):
        raise errors.RegionOutOfScope(field="region")


# --- stations -------------------------------------------------------------------------------------


def _coordinate(value, *, low: int, high: int, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise errors.CoordinatesOutOfRange(field=field) from None
    if not number.is_finite() or not (low <= number <= high):
        raise errors.CoordinatesOutOfRange(field=field)
    return number.quantize(Decimal("0.000001"))


def _validate_station(station: Station) -> None:
    if not (station.name or "").strip():
        raise ValidationFailed(_("Give the station a name."), field="name")
    if not (station.address or "").strip():
        raise ValidationFailed(_("Give the station's address."), field="address")
    if Station.objects.filter(region=station.region, name=station.name).exclude(pk=station.pk).exists():
        raise errors.StationNameTaken(field="name")
    try:
        station.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors={k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from None


def _set_fields(
    station: Station, *, name, kind, region, address, latitude, longitude, opening_hours, phone, description, is_active
) -> None:
    """The station's fields from a create or an update, cleaned the same way for both."""
    station.name = (name or "").strip()
    station.kind = kind
    station.region = region
    station.region_path = region.path
    station.address = (address or "").strip()
    station.latitude = _coordinate(latitude, low=-90, high=90, field="latitude")
    station.longitude = _coordinate(longitude, low=-180, high=180, field="longitude")
    station.opening_hours = (opening_hours or "").strip()
    station.phone = (phone or "").strip()
    station.description = description or ""
    station.is_active = is_active


@transaction.atomic
def station_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region,
    address: str,
    latitude=None,
    longitude=None,
    opening_hours: str = "",
    phone: str = "",
    description: str = "",
    is_active: bool = True,
) -> Station:
    _check_region_in_scope(actor, region)
    station = Station()
    _set_fields(
        station,
        name=name,
        kind=kind,
        region=region,
        address=address,
        latitude=latitude,
        longitude=longitude,
        opening_hours=opening_hours,
        phone=phone,
        description=description,
        is_active=is_active,
    )
    _validate_station(station)
    station.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=station, after=snapshot(station))
    return station


@transaction.atomic
def station_update(
    *,
    actor,
    station: Station,
    name: str,
    kind: str,
    region: Region,
    address: str,
    latitude=None,
    longitude=None,
    opening_hours: str = "",
    phone: str = "",
    description: str = "",
    is_active: bool = True,
) -> Station:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _authorize(actor, "edit_station", station)
    if region.pk != station.region_id:
        _check_region_in_scope(actor, region)
    before = snapshot(station)
    _set_fields(
        station,
        name=name,
        kind=kind,
        region=region,
        address=address,
        latitude=latitude,
        longitude=longitude,
        opening_hours=opening_hours,
        phone=phone,
        description=description,
        is_active=is_active,
    )
    _validate_station(station)
    station.save()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=station, before=before, after=snapshot(station))
    return station


# --- deputies at a station (进站代表) --------------------------------------------------------------


def eligible_mandates(station: Station):
    """Serving mandates of congresses in the station's region, above it or below it."""
    return Mandate.objects.filter(
        Q(region_path__in=path_prefixes(station.region_path)) | Q(region_path__startswith=station.region_path),
        status=Mandate.Status.SERVING,
    )


def person_is_eligible(*, station: Station, person: Person) -> bool:
    return eligible_mandates(station).filter(person=person).exists()


@transaction.atomic
def station_deputy_assign(
    *, actor, station: Station, person: Person, since: datetime.date | None = None
) -> StationDeputy:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _authorize(actor, "assign_deputies", station)
    if StationDeputy.objects.filter(station=station, person=person).exists():
        raise errors.DeputyAlreadyAssigned(field="person")
    if not person_is_eligible(station=station, person=person):
        raise errors.DeputyNotEligible(field="person")
    link = StationDeputy.objects.create(station=station, person=person, since=since or timezone.localdate())
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=link,
        object_repr=f"{station} · {person}",
        after=snapshot(link),
    )
    return link


@transaction.atomic
def station_deputy_unassign(*, actor, station: Station, person: Person) -> None:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _authorize(actor, "assign_deputies", station)
    link = StationDeputy.objects.filter(station=station, person=person).first()
    if link is None:
        raise NotFound()
    if DutyAssignment.objects.filter(slot__station=station, person=person, date__gte=timezone.localdate()).exists():
        raise errors.DeputyHasUpcomingDuty(field="person")
    before = snapshot(link)
    link_id = link.pk
    link.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        model=StationDeputy._meta.label,
        object_id=link_id,
        object_repr=f"{station} · {person}",
        before=before,
    )


# --- evidence of the station standard (十有) --------------------------------------------------------

EXTENSIONS = files.EXTENSIONS
sniff_evidence = files.sniff_document


@transaction.atomic
def evidence_upload(*, actor, station: Station, item: StandardItem, file, note: str = "") -> StandardEvidence:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _authorize(actor, "manage_evidence", station)
    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise errors.EvidenceTooLarge(
            errors.EvidenceTooLarge.message % {"mb": round(limit / 1024 / 1024, 1)}, field="file"
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise errors.EvidenceTooLarge(
            errors.EvidenceTooLarge.message % {"mb": round(limit / 1024 / 1024, 1)}, field="file"
        )
    content_type = sniff_evidence(data)
    if content_type is None:
        raise errors.EvidenceTypeNotAllowed(field="file")
    original = os.path.basename(getattr(file, "name", "") or "")[:200]
    evidence = StandardEvidence(
        station=station,
        item=item,
        content_type=content_type,
        original_name=original,
        size=len(data),
        note=(note or "").strip()[:200],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The stored name is random: nothing of the uploader's file name reaches the file system.
    evidence.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}", ContentFile(data), save=False)
    stored = evidence.file.name
    try:
        evidence.save()
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=evidence,
            object_repr=f"{station} · {item}",
            after=snapshot(evidence),
        )
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    return evidence


@transaction.atomic
def evidence_delete(*, actor, evidence: StandardEvidence) -> None:
    evidence = StandardEvidence.objects.select_for_update().select_related("station", "item").get(pk=evidence.pk)
    _authorize(actor, "manage_evidence", evidence.station)
    before = snapshot(evidence)
    storage, name, pk = evidence.file.storage, evidence.file.name, evidence.pk
    repr_ = f"{evidence.station} · {evidence.item}"
    evidence.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        model=StandardEvidence._meta.label,
        object_id=pk,
        object_repr=repr_,
        before=before,
    )
    transaction.on_commit(lambda: storage.delete(name) if name else None)


# --- the duty roster (接待日 / 驻站排班) -------------------------------------------------------------


def _notice_days() -> int:
    return settings.ROSTER_MIN_NOTICE_DAYS


def earliest_publishable_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=_notice_days())


def _check_notice(date: datetime.date) -> None:
    if date < earliest_publishable_date():
        raise errors.RosterNoticeTooShort(errors.RosterNoticeTooShort.message % {"days": _notice_days()}, field="date")


def _check_times(date, start_time, end_time) -> None:
    if date is None or start_time is None or end_time is None:
        raise ValidationFailed(_("Give the date and the time window."), field="date")
    if end_time <= start_time:
        raise errors.SlotTimesOutOfOrder(field="end_time")


def _unique_persons(deputies) -> list[Person]:
    seen, result = set(), []
    for person in deputies or []:
        if person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


def _check_deputies(station: Station, persons: list[Person], *, date, start_time, end_time, slot=None) -> None:
    if not persons:
        return
    ids = [p.pk for p in persons]
    list(Person.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))  # lock in one order
    at_station = set(
        StationDeputy.objects.filter(station=station, person_id__in=ids).values_list("person_id", flat=True)
    )
    missing = [p.name for p in persons if p.pk not in at_station]
    if missing:
        raise errors.DeputyNotAtStation(
            _("Not assigned to this station: %(names)s. Only deputies assigned to the station can be on its roster.")
            % {"names": "、".join(missing)},
            field="deputies",
        )
    clashes = DutyAssignment.objects.filter(
        person_id__in=ids, date=date, start_time__lt=end_time, end_time__gt=start_time
    ).select_related("person", "slot__station")
    if slot is not None and slot.pk:
        clashes = clashes.exclude(slot_id=slot.pk)
    clash = clashes.order_by("start_time").first()
    if clash is not None:
        raise errors.DeputyDoubleBooked(
            _(
                "%(name)s is already on duty at %(station)s on %(date)s from %(start)s to %(end)s; "
                "a deputy cannot be in two places at once."
            )
            % {
                "name": clash.person.name,
                "station": clash.slot.station.name,
                "date": clash.date.isoformat(),
                "start": clash.start_time.strftime("%H:%M"),
                "end": clash.end_time.strftime("%H:%M"),
            },
            field="deputies",
        )


def _slot_snapshot(slot: DutySlot) -> dict:
    data = snapshot(slot)
    data["deputies"] = sorted(DutyAssignment.objects.filter(slot=slot).values_list("person_id", flat=True))
    return data


def _set_assignments(slot: DutySlot, persons: list[Person]) -> None:
    wanted = {p.pk for p in persons}
    current = set(DutyAssignment.objects.filter(slot=slot).values_list("person_id", flat=True))
    DutyAssignment.objects.filter(slot=slot, person_id__in=current - wanted).delete()
    DutyAssignment.objects.filter(slot=slot).update(date=slot.date, start_time=slot.start_time, end_time=slot.end_time)
    DutyAssignment.objects.bulk_create(
        [
            DutyAssignment(slot=slot, person_id=pk, date=slot.date, start_time=slot.start_time, end_time=slot.end_time)
            for pk in sorted(wanted - current)
        ]
    )


def _create_slot(
    *, actor, station: Station, date, start_time, end_time, persons: list[Person], topic: str, publish: bool
) -> DutySlot:
    _check_times(date, start_time, end_time)
    if date < timezone.localdate():
        raise errors.SlotInThePast(field="date")
    if publish:
        _check_notice(date)
        if not persons:
            raise errors.SlotWithoutDeputies(field="deputies")
    _check_deputies(station, persons, date=date, start_time=start_time, end_time=end_time)
    slot = DutySlot.objects.create(
        station=station,
        date=date,
        start_time=start_time,
        end_time=end_time,
        topic=(topic or "").strip()[:100],
        published_at=timezone.now() if publish else None,
    )
    _set_assignments(slot, persons)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=slot, after=_slot_snapshot(slot))
    return slot


@transaction.atomic
def slot_create(
    *,
    actor,
    station: Station,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    deputies: list[Person] | None = None,
    topic: str = "",
    publish: bool = False,
) -> DutySlot:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _authorize(actor, "manage_roster", station)
    return _create_slot(
        actor=actor,
        station=station,
        date=date,
        start_time=start_time,
        end_time=end_time,
        persons=_unique_persons(deputies),
        topic=topic,
        publish=publish,
    )


@transaction.atomic
def slot_update(
    *,
    actor,
    slot: DutySlot,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    deputies: list[Person] | None = None,
    topic: str = "",
) -> DutySlot:
    slot = DutySlot.objects.select_for_update().select_related("station").get(pk=slot.pk)
    _authorize(actor, "manage_roster", slot.station)
    persons = _unique_persons(deputies)
    _check_times(date, start_time, end_time)
    moved = (date, start_time, end_time) != (slot.date, slot.start_time, slot.end_time)
    if moved and date < timezone.localdate():
        raise errors.SlotInThePast(field="date")
    if slot.published_at is not None:
        if moved:
            _check_notice(date)
        if not persons:
            raise errors.SlotWithoutDeputies(field="deputies")
    _check_deputies(slot.station, persons, date=date, start_time=start_time, end_time=end_time, slot=slot)
    before = _slot_snapshot(slot)
    slot.date, slot.start_time, slot.end_time = date, start_time, end_time
    slot.topic = (topic or "").strip()[:100]
    slot.save()
    _set_assignments(slot, persons)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=slot, before=before, after=_slot_snapshot(slot))
    return slot


@transaction.atomic
def slot_publish(*, actor, slot: DutySlot) -> DutySlot:
    slot = DutySlot.objects.select_for_update().select_related("station").get(pk=slot.pk)
    _authorize(actor, "manage_roster", slot.station)
    if slot.published_at is not None:
        raise errors.SlotAlreadyPublished()
    _check_notice(slot.date)
    if not DutyAssignment.objects.filter(slot=slot).exists():
        raise errors.SlotWithoutDeputies(field="deputies")
    before = _slot_snapshot(slot)
    slot.published_at = timezone.now()
    slot.save(update_fields=["published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSITION,
        obj=slot,
        before={"published_at": before["published_at"]},
        after={"published_at": slot.published_at.isoformat()},
        reason="publish",
    )
    return slot


@transaction.atomic
def slot_delete(*, actor, slot: DutySlot, reason: str = "") -> None:
    slot = DutySlot.objects.select_for_update().select_related("station").get(pk=slot.pk)
    _authorize(actor, "manage_roster", slot.station)
    before = _slot_snapshot(slot)
    pk, text = slot.pk, str(slot)
    slot.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        model=DutySlot._meta.label,
        object_id=pk,
        object_repr=text,
        before=before,
        reason=reason,
    )


class Frequency(models.TextChoices):
    WEEKLY = "weekly", gettext_lazy("every week")
    MONTHLY = "monthly", gettext_lazy("every month")


MAX_REPEATS = 60


def repeat_dates(*, start: datetime.date, frequency: str, until: datetime.date) -> list[datetime.date]:
    """The dates after `start` up to `until` (inclusive): every 7 days, or on the same day of every
    following month (months without that day, e.g. the 31st, are skipped)."""
    dates: list[datetime.date] = []
    if frequency == Frequency.WEEKLY:
        day = start + datetime.timedelta(days=7)
        while day <= until:
            dates.append(day)
            day += datetime.timedelta(days=7)
    elif frequency == Frequency.MONTHLY:
        year, month = start.year, start.month
        while True:
            month += 1
            if month > 12:
                year, month = year + 1, 1
            if datetime.date(year, month, 1) > until:
                break
            try:
                day = datetime.date(year, month, start.day)
            except ValueError:
                continue
            if day <= until:
                dates.append(day)
    else:
        raise ValidationFailed(_("Choose weekly or monthly."), field="frequency")
    return dates


@transaction.atomic
def slot_repeat(*, actor, slot: DutySlot, frequency: str, until: datetime.date) -> list[DutySlot]:
    """Copies of a slot (times, deputies, topic, published or not) weekly or monthly until a date,
    e.g. the monthly reception on the 10th (002 §4(2)). All or nothing: one clash stops the lot."""
    slot = DutySlot.objects.select_for_update().select_related("station").get(pk=slot.pk)
    _authorize(actor, "manage_roster", slot.station)
    if until is None or until <= slot.date or until > slot.date + datetime.timedelta(days=366):
        raise errors.RepeatOutOfRange(field="until")
    dates = repeat_dates(start=slot.date, frequency=frequency, until=until)[:MAX_REPEATS]
    persons = list(slot.deputies.all())
    created = []
    for day in dates:
        try:
            created.append(
                _create_slot(
                    actor=actor,
                    station=slot.station,
                    date=day,
                    start_time=slot.start_time,
                    end_time=slot.end_time,
                    persons=persons,
                    topic=slot.topic,
                    publish=slot.published_at is not None,
                )
            )
        except ValidationFailed as exc:
            raise type(exc)(
                _("%(date)s: %(message)s") % {"date": day.isoformat(), "message": exc.message}, field="until"
            ) from None
    return created


@transaction.atomic
def slot_create_series(
    *,
    actor,
    station: Station,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    deputies: list[Person] | None = None,
    topic: str = "",
    publish: bool = False,
    frequency: str,
    until: datetime.date,
) -> list[DutySlot]:
    """A slot and its weekly or monthly repeats, all or nothing."""
    first = slot_create(
        actor=actor,
        station=station,
        date=date,
        start_time=start_time,
        end_time=end_time,
        deputies=deputies,
        topic=topic,
        publish=publish,
    )
    return [first, *slot_repeat(actor=actor, slot=first, frequency=frequency, until=until)]
