"""The deputies part of the JSON API (`/api/deputies/…`). Public reads show public fields only (the
directory and a deputy's page); staff calls (token or session, liaison.api.auth) create and change
persons and mandates through the same services as the workspace, in the caller's area. Errors are
JSON `{code, message[, field, errors]}` in the caller's language: 400 for bad data, 403 without the
right, 404 for a record that is missing or outside the caller's area."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.responses import codes_4xx

from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut
from liaison.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from liaison.regions.models import Congress, Region, Term

from . import selectors, services
from .models import Delegation, ElectoralDistrict, Mandate, Person
from .scoping import person_write_q

router = Router(tags=["deputies"])


class DirectoryQuery(Schema):
    region: int | None = None
    level: str = ""
    group: int | None = None
    station: int | None = None
    q: str = Field("", max_length=50)
    page: int = Field(
        1, ge=1, le=100000, description=f"page number, served up to {selectors.MAX_PAGE_NUMBER}; deeper: `after`"
    )
    after: str = Field("", max_length=400, description="`next_cursor` of the previous page: the page after it")
    before: str = Field("", max_length=400, description="`previous_cursor` of a page: the page before it")
    page_size: int = Field(selectors.PER_PAGE, ge=1, le=selectors.MAX_PER_PAGE)


class SeatOut(Schema):
    mandate_id: int
    congress_id: int
    congress: str
    level: str


class DeputyCard(Schema):
    id: int
    name: str
    gender: str
    photo_url: str | None
    work_unit: str
    url: str
    seats: list[SeatOut]


class DirectoryOut(Schema):
    count: int = Field(description="serving mandates (seats) matching the filters, exact up to 2,000")
    count_capped: bool = Field(description="true when more seats match than `count` says")
    page: int | None = Field(description="the page's number; null for a page reached by `after` or `before`")
    pages: int | None = Field(description="number of pages; null when the count is capped")
    has_next: bool
    has_previous: bool
    next_cursor: str = Field(description="pass as `after` for the next page (keyset: as fast on any page)")
    previous_cursor: str = Field(description="pass as `before` for the previous page")
    page_size: int
    items: list[DeputyCard] = Field(description="one item per person; a person's seats on this page are grouped")


class MandateOut(Schema):
    id: int
    congress_id: int
    congress: str
    term_id: int
    term_number: int
    level: str
    election: str
    district: str | None
    electing_congress: str | None
    delegation: str | None
    status: str
    start_date: datetime.date
    end_date: datetime.date | None


class NamedRef(Schema):
    id: int
    name: str
    position: str | None = None


class PublicDeputyOut(Schema):
    id: int
    name: str
    gender: str
    ethnicity: str
    birth_year: int | None
    party: str
    occupation: str
    work_unit: str
    bio: str
    photo_url: str | None
    contacts: dict[str, str] = Field(description="only the contact fields the deputy made public")
    serving: bool
    mandates: list[MandateOut]
    groups: list[NamedRef]
    stations: list[NamedRef]


class PersonIn(Schema):
    name: str = Field(max_length=50)
    gender: str = Field(description="m or f")
    region_id: int = Field(description="the region whose liaison office keeps the record")
    ethnicity: str = Field("汉族", max_length=20)
    birth_year: int | None = None
    party: str = Field("", max_length=50)
    occupation: str = Field("", max_length=100)
    work_unit: str = Field("", max_length=200)
    bio: str = ""
    phone: str = Field("", max_length=32)
    phone_public: bool = False
    email: str = Field("", max_length=254)
    email_public: bool = False
    address: str = Field("", max_length=200)
    address_public: bool = False
    wechat: str = Field("", max_length=64)
    wechat_public: bool = False
    confirm: bool = Field(False, description="record even though the duplicate rule matched another person")


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=50)
    gender: str | None = None
    region_id: int | None = None
    ethnicity: str | None = Field(None, max_length=20)
    birth_year: int | None = None
    party: str | None = Field(None, max_length=50)
    occupation: str | None = Field(None, max_length=100)
    work_unit: str | None = Field(None, max_length=200)
    bio: str | None = None
    phone: str | None = Field(None, max_length=32)
    phone_public: bool | None = None
    email: str | None = Field(None, max_length=254)
    email_public: bool | None = None
    address: str | None = Field(None, max_length=200)
    address_public: bool | None = None
    wechat: str | None = Field(None, max_length=64)
    wechat_public: bool | None = None
    confirm: bool = False


class PersonOut(Schema):
    id: int
    name: str
    name_pinyin: str
    name_initials: str
    gender: str
    region_id: int | None
    ethnicity: str
    birth_year: int | None
    party: str
    occupation: str
    work_unit: str
    bio: str
    phone: str
    phone_public: bool
    email: str
    email_public: bool
    address: str
    address_public: bool
    wechat: str
    wechat_public: bool
    photo_url: str | None
    mandates: list[MandateOut]


class MandateIn(Schema):
    person_id: int
    congress_id: int
    term_id: int
    election: str = Field(description="direct or indirect")
    district_id: int | None = None
    electing_congress_id: int | None = None
    delegation_id: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


class MandatePatch(Schema):
    election: str | None = None
    district_id: int | None = None
    electing_congress_id: int | None = None
    delegation_id: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


class StatusIn(Schema):
    status: str = Field(description="serving, resigned, terminated or recalled")
    date: datetime.date
    reason: str = Field(max_length=2000)


class StatusOut(Schema):
    mandate: MandateOut
    recorded_at: datetime.datetime


# --------------------------------------------------------------------------------------------------


def _photo_url(person: Person) -> str | None:
    return person.photo_url or None


def _mandate(m: Mandate) -> dict:
    return {
        "id": m.pk,
        "congress_id": m.congress_id,
        "congress": m.congress.name,
        "term_id": m.term_id,
        "term_number": m.term.number,
        "level": m.level,
        "election": m.election,
        "district": m.district.name if m.district_id else None,
        "electing_congress": m.electing_congress.name if m.electing_congress_id else None,
        "delegation": m.delegation.name if m.delegation_id else None,
        "status": m.status,
        "start_date": m.start_date,
        "end_date": m.end_date,
    }


def _person(p: Person) -> dict:
    data = {f: getattr(p, f) for f in PersonOut.model_fields if hasattr(p, f) and f not in ("mandates",)}
    data["photo_url"] = _photo_url(p)
    data["mandates"] = [_mandate(m) for m in selectors.person_mandates(p)]
    return data


def _require_manager(request) -> None:
    if not request.user.has_perm("deputies.manage"):
        raise PermissionDenied()


def _writable_person(request, pk: int) -> Person:
    person = Person.objects.filter(person_write_q(request.user), pk=pk).first()
    if person is None:
        raise NotFound(field="person_id")
    return person


def _get(model, pk, field: str):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(_("Unknown %(field)s: %(id)s") % {"field": field, "id": pk}, field=field)
    return obj


# --- public ---------------------------------------------------------------------------------------


@router.get("/", response={200: DirectoryOut, codes_4xx: ErrorOut}, summary="The deputy directory", auth=None)
def deputy_list(request, filters: Query[DirectoryQuery]):
    """Serving deputies with the directory's filters (region subtree, congress level, group, station,
    name by Chinese characters, full pinyin or initials), ordered by pinyin."""
    parsed = selectors.DeputyFilters.parse(
        {
            k: str(v)
            for k, v in filters.dict().items()
            if v not in (None, "") and k not in ("page", "page_size", "after", "before")
        }
    )
    if filters.level and not parsed.level:
        raise ValidationFailed(_("Unknown congress level."), field="level")
    page = selectors.directory_page(
        filters=parsed, page=filters.page, after=filters.after, before=filters.before, per_page=filters.page_size
    )
    if filters.region and page.region is None:
        raise NotFound(_("Unknown region."), field="region")
    return {
        "count": page.count,
        "count_capped": page.count_capped,
        "page": page.number,
        "pages": page.num_pages,
        "has_next": page.has_next,
        "has_previous": page.has_previous,
        "next_cursor": page.next_cursor if page.has_next else "",
        "previous_cursor": page.previous_cursor if page.has_previous else "",
        "page_size": page.per_page,
        "items": [
            {
                "id": e.person.pk,
                "name": e.person.name,
                "gender": e.person.gender,
                "photo_url": _photo_url(e.person),
                "work_unit": e.person.work_unit,
                "url": f"/deputies/{e.person.pk}/",
                "seats": [
                    {"mandate_id": m.pk, "congress_id": m.congress_id, "congress": m.congress.name, "level": m.level}
                    for m in e.mandates
                ],
            }
            for e in page.entries
        ],
    }


@router.get("/{int:person_id}", response={200: PublicDeputyOut, codes_4xx: ErrorOut}, summary="One deputy", auth=None)
def deputy_detail(request, person_id: int):
    """A deputy's public fields, mandates, groups and stations. 404 for a person who never held a
    mandate."""
    deputy = selectors.public_deputy_get(pk=person_id)
    p = deputy.person
    return {
        "id": p.pk,
        "name": p.name,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "birth_year": p.birth_year,
        "party": p.party,
        "occupation": p.occupation,
        "work_unit": p.work_unit,
        "bio": p.bio,
        "photo_url": _photo_url(p),
        "contacts": deputy.contacts,
        "serving": deputy.is_serving,
        "mandates": [_mandate(m) for m in deputy.mandates],
        "groups": [{"id": ms.group_id, "name": ms.group.name, "position": ms.position} for ms in deputy.memberships],
        "stations": [{"id": sd.station_id, "name": sd.station.name} for sd in deputy.stations],
    }


# --- staff ----------------------------------------------------------------------------------------


@router.get(
    "/persons/{int:person_id}",
    auth=staff_auth,
    response={200: PersonOut, codes_4xx: ErrorOut},
    summary="A person's full record (staff, in scope)",
)
def person_get(request, person_id: int):
    if not request.user.has_perm("deputies.view"):
        raise PermissionDenied()
    return _person(selectors.person_get_for(user=request.user, pk=person_id))


@router.post(
    "/persons", auth=staff_auth, response={201: PersonOut, codes_4xx: ErrorOut}, summary="Record a person (staff)"
)
def person_create(request, payload: PersonIn):
    """Raises `probable_duplicate` (400, with `extra.candidates`) when another person has the same name
    and gender and year of birth, or the same name and phone; send `confirm: true` to record anyway."""
    _require_manager(request)
    data = payload.dict()
    confirm = data.pop("confirm")
    region = _get(Region, data.pop("region_id"), "region_id")
    person = services.person_create(actor=request.user, region=region, confirm=confirm, **data)
    return Status(201, _person(person))


@router.patch(
    "/persons/{int:person_id}",
    auth=staff_auth,
    response={200: PersonOut, codes_4xx: ErrorOut},
    summary="Change a person (staff)",
)
def person_update(request, person_id: int, payload: PersonPatch):
    _require_manager(request)
    person = _writable_person(request, person_id)
    data = payload.dict(exclude_unset=True)
    confirm = data.pop("confirm", False)
    if "region_id" in data:
        data["region"] = _get(Region, data.pop("region_id"), "region_id")
        if data["region"] is None:
            raise ValidationFailed(_("Choose the region that keeps this record."), field="region_id")
    for key in ("name", "gender", "phone_public", "email_public", "address_public", "wechat_public"):
        if key in data and data[key] is None:
            raise ValidationFailed(_("This field cannot be empty."), field=key)
    for key in ("ethnicity", "party", "occupation", "work_unit", "bio", "phone", "email", "address", "wechat"):
        if key in data and data[key] is None:
            data[key] = ""
    person = services.person_update(actor=request.user, person=person, data=data, confirm=confirm)
    return _person(person)


@router.post(
    "/persons/{int:person_id}/photo",
    auth=staff_auth,
    response={200: PersonOut, codes_4xx: ErrorOut},
    summary="Upload a person's photo (staff; multipart/form-data, field `file`)",
)
def person_photo_upload(request, person_id: int, file: File[UploadedFile]):
    """The same checks as the workspace form (services.photo_validate): a real JPEG, PNG or WebP image
    (Pillow reads it, whatever its name or declared type), at most PHOTO_MAX_BYTES; otherwise 400
    `invalid_photo`. The photo replaces any earlier one and is public on a deputy's page."""
    _require_manager(request)
    person = _writable_person(request, person_id)
    return _person(services.person_update(actor=request.user, person=person, data={"photo": file}))


@router.delete(
    "/persons/{int:person_id}/photo",
    auth=staff_auth,
    response={200: PersonOut, codes_4xx: ErrorOut},
    summary="Remove a person's photo (staff)",
)
def person_photo_delete(request, person_id: int):
    _require_manager(request)
    person = _writable_person(request, person_id)
    return _person(services.person_update(actor=request.user, person=person, data={"photo": False}))


@router.delete(
    "/persons/{int:person_id}",
    auth=staff_auth,
    response={204: None, codes_4xx: ErrorOut},
    summary="Delete a person recorded by mistake (staff)",
)
def person_delete(request, person_id: int):
    """Only a person who never held a mandate, has no account role and is linked to nothing: otherwise
    400 with the reason (`person_has_mandates`: end a serving mandate by a status change instead)."""
    _require_manager(request)
    services.person_delete(actor=request.user, person=_writable_person(request, person_id))
    return Status(204, None)


def _mandate_refs(data: dict) -> dict:
    out = {}
    for key, model in (
        ("district_id", ElectoralDistrict),
        ("electing_congress_id", Congress),
        ("delegation_id", Delegation),
    ):
        if key in data:
            out[key.removesuffix("_id")] = _get(model, data[key], key)
    for key in ("election", "start_date", "end_date"):
        if key in data:
            out[key] = data[key]
    return out


def _reload(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_related("congress", "term", "district", "electing_congress", "delegation").get(
        pk=mandate.pk
    )


@router.post(
    "/mandates", auth=staff_auth, response={201: MandateOut, codes_4xx: ErrorOut}, summary="Add a mandate (staff)"
)
def mandate_create(request, payload: MandateIn):
    _require_manager(request)
    data = payload.dict()
    person = _writable_person(request, data["person_id"])
    congress = Congress.objects.filter(pk=data["congress_id"]).first()
    if congress is None:
        raise NotFound(field="congress_id")
    term = _get(Term, data["term_id"], "term_id")
    mandate = services.mandate_create(
        actor=request.user, person=person, congress=congress, term=term, **_mandate_refs(data)
    )
    return Status(201, _mandate(_reload(mandate)))


def _writable_mandate(request, pk: int) -> Mandate:
    from .scoping import covers, officer_paths

    mandate = Mandate.objects.filter(pk=pk).first()
    if mandate is None or not covers(officer_paths(request.user), mandate.region_path):
        raise NotFound(field="mandate_id")
    return mandate


@router.patch(
    "/mandates/{int:mandate_id}",
    auth=staff_auth,
    response={200: MandateOut, codes_4xx: ErrorOut},
    summary="Correct a mandate (staff)",
)
def mandate_update(request, mandate_id: int, payload: MandatePatch):
    _require_manager(request)
    mandate = _writable_mandate(request, mandate_id)
    data = payload.dict(exclude_unset=True)
    if "election" in data and data["election"] is None:
        raise ValidationFailed(_("This field cannot be empty."), field="election")
    if "start_date" in data and data["start_date"] is None:
        raise ValidationFailed(_("This field cannot be empty."), field="start_date")
    mandate = services.mandate_update(actor=request.user, mandate=mandate, data=_mandate_refs(data))
    return _mandate(_reload(mandate))


@router.post(
    "/mandates/{int:mandate_id}/status",
    auth=staff_auth,
    response={200: StatusOut, codes_4xx: ErrorOut},
    summary="Change a mandate's status, with the reason (staff)",
)
def mandate_status(request, mandate_id: int, payload: StatusIn):
    _require_manager(request)
    mandate = _writable_mandate(request, mandate_id)
    if payload.status not in Mandate.Status.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    change = services.mandate_change_status(
        actor=request.user, mandate=mandate, status=payload.status, date=payload.date, reason=payload.reason
    )
    return {"mandate": _mandate(_reload(mandate)), "recorded_at": change.recorded_at}
