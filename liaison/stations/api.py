"""The stations part of the JSON API (`/api/stations/…`). Public reads show open stations and the
published roster; staff writes on the duty roster need a token or a session (liaison.api.auth) and
call the same services as the workspace. Domain errors propagate to the API's one error mapping
(liaison.api.api), which answers JSON `{code, message[, field, errors]}`."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.responses import codes_4xx

from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.deputies.models import Person
from liaison.regions.selectors import region_by_id

from . import selectors, services
from .models import DutySlot, StandardEvidence, StandardItem, Station

router = Router(tags=["stations"])


class DeputyRef(Schema):
    id: int
    name: str
    url: str


class StationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_id: int
    region_name: str
    address: str
    latitude: float | None
    longitude: float | None
    opening_hours: str
    phone: str
    url: str


class StationDetailOut(StationOut):
    description: str
    deputies: list[DeputyRef]
    opinion_url: str
    calendar_url: str
    poster_png_url: str
    poster_svg_url: str


class StationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[StationOut]


class SlotOut(Schema):
    id: int
    station_id: int
    date: datetime.date
    start_time: str
    end_time: str
    topic: str
    published: bool
    deputies: list[DeputyRef]


class StationFilters(Schema):
    region: int | None = None
    kind: str = ""
    q: str = Field("", max_length=50)
    limit: int = Field(50, ge=1)
    offset: int = Field(0, ge=0)


class RangeFilters(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")


class SlotIn(Schema):
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    deputies: list[int] = []
    topic: str = Field("", max_length=100)
    publish: bool = False


class SlotUpdateIn(Schema):
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    deputies: list[int] = []
    topic: str = Field("", max_length=100)


class EvidenceOut(Schema):
    id: int
    station_id: int
    item: str = Field(description="the item's code")
    item_title: str
    content_type: str
    original_name: str
    size: int
    note: str
    url: str = Field(description="the file, for users who see the station (workspace session)")
    created_at: datetime.datetime


class RepeatIn(Schema):
    frequency: str
    until: datetime.date


def _deputy(p: Person) -> dict:
    return {"id": p.pk, "name": p.name, "url": f"/deputies/{p.pk}/"}


def _station(s: Station) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "kind": s.kind,
        "kind_label": str(s.get_kind_display()),
        "region_id": s.region_id,
        "region_name": s.region.name,
        "address": s.address,
        "latitude": float(s.latitude) if s.latitude is not None else None,
        "longitude": float(s.longitude) if s.longitude is not None else None,
        "opening_hours": s.opening_hours,
        "phone": s.phone,
        "url": f"/stations/{s.pk}/",
    }


def _slot(slot: DutySlot) -> dict:
    return {
        "id": slot.pk,
        "station_id": slot.station_id,
        "date": slot.date,
        "start_time": slot.start_time.strftime("%H:%M"),
        "end_time": slot.end_time.strftime("%H:%M"),
        "topic": slot.topic,
        "published": slot.published_at is not None,
        "deputies": [_deputy(p) for p in slot.deputies.all()],
    }


def _range(filters: RangeFilters, *, default_days: int) -> tuple[datetime.date, datetime.date]:
    start = filters.date_from or timezone.localdate()
    end = filters.date_to or start + datetime.timedelta(days=default_days)
    if end < start or (end - start).days > 366:
        raise ValidationFailed(_("Choose a date range of at most one year, in order."), field="to")
    return start, end


def _persons(ids: list[int]) -> list[Person]:
    ids = list(dict.fromkeys(ids))
    persons = Person.objects.in_bulk(ids)
    unknown = [i for i in ids if i not in persons]
    if unknown:
        raise ValidationFailed(_("Unknown deputies: %(ids)s") % {"ids": ", ".join(map(str, unknown))}, field="deputies")
    return [persons[i] for i in ids]


# --- public ---------------------------------------------------------------------------------------


@router.get("/", response={200: StationPage, codes_4xx: ErrorOut}, summary="Open stations")
def station_list(request, filters: Query[StationFilters]):
    region = region_by_id(filters.region) if filters.region else None
    if filters.region and region is None:
        return Status(404, {"code": "not_found", "message": _("Unknown region.")})
    qs = selectors.public_station_list(region=region, kind=filters.kind, query=filters.q)
    limit = min(filters.limit, settings.API_PAGE_MAX)
    items = list(qs[filters.offset : filters.offset + limit])
    return {"count": qs.count(), "limit": limit, "offset": filters.offset, "items": [_station(s) for s in items]}


@router.get("/{int:station_id}", response={200: StationDetailOut, codes_4xx: ErrorOut}, summary="One station")
def station_detail(request, station_id: int):
    station = selectors.public_station_get(pk=station_id)
    data = _station(station)
    data.update(
        description=station.description,
        deputies=[_deputy(p) for p in selectors.station_public_deputies(station=station)],
        opinion_url=f"/stations/{station.pk}/opinions/new/",
        calendar_url=f"/stations/{station.pk}/calendar.ics",
        poster_png_url=f"/stations/{station.pk}/poster.png",
        poster_svg_url=f"/stations/{station.pk}/poster.svg",
    )
    return data


@router.get(
    "/{int:station_id}/roster",
    response={200: list[SlotOut], codes_4xx: ErrorOut},
    summary="Published reception days of a station (default: the next 60 days)",
)
def station_roster(request, station_id: int, filters: Query[RangeFilters]):
    station = selectors.public_station_get(pk=station_id)
    start, end = _range(filters, default_days=selectors.PUBLIC_ROSTER_DAYS)
    slots = selectors.published_slots(station=station).filter(date__gte=start, date__lte=end)
    return [_slot(s) for s in slots.order_by("date", "start_time")]


# --- staff ----------------------------------------------------------------------------------------


@router.get(
    "/{int:station_id}/slots",
    auth=staff_auth,
    response={200: list[SlotOut], codes_4xx: ErrorOut},
    summary="All slots of a station in your scope, drafts included",
)
def slot_list(request, station_id: int, filters: Query[RangeFilters]):
    station = selectors.station_get_for(user=request.user, pk=station_id)
    start, end = _range(filters, default_days=selectors.PUBLIC_ROSTER_DAYS)
    return [_slot(s) for s in selectors.slot_list_for(user=request.user, station=station, start=start, end=end)]


@router.post(
    "/{int:station_id}/slots",
    auth=staff_auth,
    response={201: SlotOut, codes_4xx: ErrorOut},
    summary="Plan a duty slot (optionally published at once)",
)
def slot_create(request, station_id: int, payload: SlotIn):
    station = selectors.station_get_for(user=request.user, pk=station_id)
    slot = services.slot_create(
        actor=request.user,
        station=station,
        date=payload.date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        deputies=_persons(payload.deputies),
        topic=payload.topic,
        publish=payload.publish,
    )
    return Status(201, _slot(slot))


@router.put(
    "/slots/{int:slot_id}", auth=staff_auth, response={200: SlotOut, codes_4xx: ErrorOut}, summary="Change a slot"
)
def slot_update(request, slot_id: int, payload: SlotUpdateIn):
    slot = selectors.slot_get_for(user=request.user, pk=slot_id)
    slot = services.slot_update(
        actor=request.user,
        slot=slot,
        date=payload.date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        deputies=_persons(payload.deputies),
        topic=payload.topic,
    )
    return _slot(slot)


@router.post(
    "/slots/{int:slot_id}/publish",
    auth=staff_auth,
    response={200: SlotOut, codes_4xx: ErrorOut},
    summary="Publish a slot (needs the minimum notice)",
)
def slot_publish(request, slot_id: int):
    slot = selectors.slot_get_for(user=request.user, pk=slot_id)
    slot = services.slot_publish(actor=request.user, slot=slot)
    return _slot(slot)


@router.post(
    "/slots/{int:slot_id}/repeat",
    auth=staff_auth,
    response={201: list[SlotOut], codes_4xx: ErrorOut},
    summary="Repeat a slot weekly or monthly until a date",
)
def slot_repeat(request, slot_id: int, payload: RepeatIn):
    slot = selectors.slot_get_for(user=request.user, pk=slot_id)
    created = services.slot_repeat(actor=request.user, slot=slot, frequency=payload.frequency, until=payload.until)
    return Status(201, [_slot(s) for s in created])


@router.delete(
    "/slots/{int:slot_id}", auth=staff_auth, response={204: None, codes_4xx: ErrorOut}, summary="Delete a slot"
)
def slot_delete(request, slot_id: int):
    slot = selectors.slot_get_for(user=request.user, pk=slot_id)
    services.slot_delete(actor=request.user, slot=slot)
    return Status(204, None)


def _evidence(e: StandardEvidence) -> dict:
    return {
        "id": e.pk,
        "station_id": e.station_id,
        "item": e.item.code,
        "item_title": e.item.title,
        "content_type": e.content_type,
        "original_name": e.original_name,
        "size": e.size,
        "note": e.note,
        "url": reverse("stations:evidence", args=[e.pk]),
        "created_at": e.created_at,
    }


@router.post(
    "/{int:station_id}/standard/{item}/evidence",
    auth=staff_auth,
    response={201: EvidenceOut, codes_4xx: ErrorOut},
    summary="Upload evidence for an item of the station standard (multipart/form-data: `file`, `note`)",
)
def evidence_upload(request, station_id: int, item: str, file: File[UploadedFile], note: Form[str] = ""):
    """`item` is the code of an item of the standard (十有). The same checks as the workspace form
    (services.evidence_upload, liaison.core.files): the file's content, not its name, must be a JPEG
    or PNG image that Pillow reads, or a PDF, at most EVIDENCE_MAX_BYTES; otherwise 400
    (`evidence_type_not_allowed`, `evidence_too_large`). The note is cut at 200 characters. Those
    who manage the station's evidence may (its staff, liaison officers of its region)."""
    station = selectors.station_get_for(user=request.user, pk=station_id)
    standard_item = StandardItem.objects.filter(code=item).first()
    if standard_item is None:
        raise NotFound(_("Unknown item of the station standard."), field="item")
    evidence = services.evidence_upload(actor=request.user, station=station, item=standard_item, file=file, note=note)
    return Status(201, _evidence(evidence))
