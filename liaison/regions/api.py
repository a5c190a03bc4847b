"""The regions part of the JSON API (`/api/regions/…`).

Public reads (no token): the region tree by parent or by name, congresses with their terms and
sessions, active handling units. Staff writes (bearer token or session, `liaison.api.auth.staff_auth`):
create and change regions, congresses, terms, sessions, organs and units through the services, within
the caller's scope. Errors are JSON `{code, message}` in the caller's language (Accept-Language):
400 for bad input, 403 for a role that may not write, 404 for anything missing or outside the scope.

Query parameters and bodies are parsed here rather than by the framework, so that a malformed value is
a 400 with our error shape instead of a 422 or a 500.
"""

import datetime
import json
from functools import wraps
from typing import Any

import rules
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut
from liaison.core.exceptions import ApplicationError, PermissionDenied, ValidationFailed

from . import selectors, services
from .models import Congress, HandlingUnit, Level, Organ, Region, Session, Term
from .rules import edit_paths

router = Router(tags=["regions"])


# --- output -------------------------------------------------------------------------------------------


class RegionOut(Schema):
    id: int
    name: str
    code: str
    level: str
    parent_id: int | None
    depth: int
    child_count: int = 0
    unit_count: int = 0
    congress_id: int | None = None

    @staticmethod
    def resolve_congress_id(obj) -> int | None:
        congress = selectors.congress_of(obj)
        return congress.pk if congress else None

    @staticmethod
    def resolve_child_count(obj) -> int:
        return getattr(obj, "child_count", 0) or 0

    @staticmethod
    def resolve_unit_count(obj) -> int:
        return getattr(obj, "unit_count", 0) or 0


class SessionOut(Schema):
    id: int
    term_id: int
    number: int
    start_date: datetime.date
    end_date: datetime.date
    notice_date: datetime.date | None
    notice_days: int | None
    notice_short: bool
    motion_deadline: datetime.datetime | None


class SessionWriteOut(SessionOut):
    warnings: list[str] = []

    @staticmethod
    def resolve_warnings(obj) -> list[str]:
        warning = services.session_notice_warning(obj)
        return [warning] if warning else []


class TermOut(Schema):
    id: int
    congress_id: int
    number: int
    start_date: datetime.date
    end_date: datetime.date
    sessions: list[SessionOut] = []

    @staticmethod
    def resolve_sessions(obj) -> list:
        return list(obj.sessions.all())


class CongressOut(Schema):
    id: int
    region_id: int
    region_name: str
    name: str
    level: str
    motion_threshold: int
    terms: list[TermOut] = []

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name

    @staticmethod
    def resolve_terms(obj) -> list:
        return list(obj.terms.all())


class OrganOut(Schema):
    id: int
    congress_id: int
    kind: str
    name: str
    parent_id: int | None


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    level: str
    region_id: int
    region_name: str
    parent_id: int | None
    is_active: bool

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name


class RegionPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[RegionOut]


class CongressPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[CongressOut]


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[UnitOut]


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- input --------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RegionIn(_In):
    name: str
    code: str
    level: str
    parent_id: int | None = None


class RegionPatch(_In):
    name: str | None = None
    code: str | None = None
    parent_id: int | None = None
    reason: str = ""


class CongressIn(_In):
    region_id: int
    name: str | None = None
    motion_threshold: int | None = None


class CongressPatch(_In):
    name: str | None = None
    motion_threshold: int | None = None
    reason: str = ""


class TermIn(_In):
    congress_id: int
    number: int
    start_date: datetime.date
    end_date: datetime.date


class TermPatch(_In):
    number: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    reason: str = ""


class SessionIn(_In):
    term_id: int
    number: int
    start_date: datetime.date
    end_date: datetime.date
    notice_date: datetime.date | None = None
    motion_deadline: datetime.datetime | None = None


class SessionPatch(_In):
    number: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    notice_date: datetime.date | None = None
    motion_deadline: datetime.datetime | None = None
    reason: str = ""


class OrganIn(_In):
    congress_id: int
    kind: str
    name: str
    parent_id: int | None = None


class OrganPatch(_In):
    kind: str | None = None
    name: str | None = None
    parent_id: int | None = None
    reason: str = ""


class UnitIn(_In):
    region_id: int
    name: str
    kind: str = HandlingUnit.Kind.DEPARTMENT
    parent_id: int | None = None


class UnitPatch(_In):
    name: str | None = None
    kind: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None
    reason: str = ""


def _body_doc(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def _parse(request, model: type[BaseModel]) -> BaseModel:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(_("The request body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "body"
            if err["type"] == "missing":
                message = _("This field is required.")
            elif err["type"] == "extra_forbidden":
                message = _("This field is not known.")
            else:
                message = _("Enter a valid value.")
            errors.setdefault(name, []).append(message)
        raise ValidationFailed(_("The data is not valid."), errors=errors) from exc


def _int_param(request, name: str, *, default: int | None = None) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Enter a whole number."), field=name) from exc


def _choice_param(request, name: str, choices) -> str | None:
    raw = request.GET.get(name) or None
    if raw is not None and raw not in {c for c, _label in choices}:
        raise ValidationFailed(_("Choose one of the offered values."), field=name)
    return raw


def _page(request, qs) -> dict:
    """`?page=` (from 1) and `?page_size=` (default 50, at most 200), as every list of the API."""
    size = _int_param(request, "page_size", default=settings.NINJA_PAGINATION_PER_PAGE)
    page = _int_param(request, "page", default=1)
    if size < 1 or size > settings.API_PAGE_MAX:
        raise ValidationFailed(
            _("page_size must be between 1 and %(max)d.") % {"max": settings.API_PAGE_MAX}, field="page_size"
        )
    if page < 1:
        raise ValidationFailed(_("page starts at 1."), field="page")
    count = qs.count()
    start = (page - 1) * size
    return {
        "count": count,
        "page": page,
        "page_size": size,
        "pages": (count + size - 1) // size,
        "items": list(qs[start : start + size]) if start < count else [],
    }


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


# The services name a related record by the model field ("parent"); the API's bodies say "parent_id".
API_FIELD_NAMES = {"parent": "parent_id", "region": "region_id", "congress": "congress_id", "term": "term_id"}


def api_errors(func):
    """Answer a domain error as JSON {code, message, …} with its status, in the user's language."""

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except ApplicationError as error:
            data = error.as_dict()
            if "field" in data:
                data["field"] = API_FIELD_NAMES.get(data["field"], data["field"])
            if "errors" in data:
                data["errors"] = {API_FIELD_NAMES.get(k, k): v for k, v in data["errors"].items()}
            return JsonResponse(data, status=error.status, json_dumps_params={"ensure_ascii": False})

    return wrapper


def _require_manage(request) -> None:
    if not rules.has_perm("regions.manage", request.user):
        raise PermissionDenied()


# --- public reads -------------------------------------------------------------------------------------


@router.get("/", response={200: RegionPage, **ERRORS}, summary="Regions by parent or by name", auth=None)
@api_errors
def region_list(request):
    """Without parameters: the top of the tree. `parent=<id>`: that region's direct subregions.
    `q=<text>`: regions whose name contains the text or whose division code starts with it (within
    `parent` when given). `level=` filters by level. Paged with `page` and `page_size` (default 50, at most 200)."""
    qs = selectors.public_region_list(
        parent_id=_int_param(request, "parent"),
        q=(request.GET.get("q") or "").strip()[:50],
        level=_choice_param(request, "level", Level.choices),
    )
    return Status(200, _page(request, qs))


@router.get("/{int:region_id}", response={200: RegionOut, **ERRORS}, summary="One region", auth=None)
@api_errors
def region_get(request, region_id: int):
    return Status(200, selectors.public_region_get(pk=region_id))


@router.get("/congresses", response={200: CongressPage, **ERRORS}, summary="Congresses", auth=None)
@api_errors
def congress_list(request):
    """Congresses with their terms and sessions. Filters: `region=<id>` (that region's congress),
    `within=<id>` (every congress in that subtree), `level=`. Paged with `page` and `page_size`."""
    qs = selectors.public_congress_list(
        region_id=_int_param(request, "region"),
        within=_int_param(request, "within"),
        level=_choice_param(request, "level", Level.choices),
    )
    return Status(200, _page(request, qs))


@router.get("/congresses/{int:congress_id}", response={200: CongressOut, **ERRORS}, summary="One congress", auth=None)
@api_errors
def congress_get(request, congress_id: int):
    return Status(200, selectors.public_congress_get(pk=congress_id))


@router.get("/units", response={200: UnitPage, **ERRORS}, summary="Handling units", auth=None)
@api_errors
def unit_list(request):
    """Active handling units. Filters: `region=<id>`, `within=<id>` (the subtree), `q=` (name),
    `kind=`. Paged with `page` and `page_size`."""
    qs = selectors.public_unit_list(
        region_id=_int_param(request, "region"),
        within=_int_param(request, "within"),
        q=(request.GET.get("q") or "").strip()[:50],
        kind=_choice_param(request, "kind", HandlingUnit.Kind.choices),
    )
    return Status(200, _page(request, qs))


# --- staff writes -------------------------------------------------------------------------------------


def _region_out(region: Region) -> Region:
    return selectors.public_region_get(pk=region.pk)


def _congress_out(congress: Congress) -> Congress:
    return selectors.public_congress_get(pk=congress.pk)


@router.post(
    "/",
    response={201: RegionOut, **ERRORS},
    auth=staff_auth,
    summary="Create a region",
    openapi_extra=_body_doc(RegionIn),
)
@api_errors
def region_create(request):
    _require_manage(request)
    data = _parse(request, RegionIn)
    if data.parent_id is None:
        if edit_paths(request.user) is not None:
            raise PermissionDenied(_("Only the system administrator can add a region at the top of the tree."))
        parent = None
    else:
        parent = selectors.region_get_for(user=request.user, pk=data.parent_id, edit=True)
    region = services.region_create(actor=request.user, name=data.name, code=data.code, level=data.level, parent=parent)
    return Status(201, _region_out(region))


@router.patch(
    "/{int:region_id}",
    response={200: RegionOut, **ERRORS},
    auth=staff_auth,
    summary="Change or move a region",
    openapi_extra=_body_doc(RegionPatch),
)
@api_errors
def region_update(request, region_id: int):
    """Rename, change the code, or move the region with its subtree (`parent_id`; `null` is the top of
    the tree, for the system administrator only)."""
    _require_manage(request)
    region = selectors.region_get_for(user=request.user, pk=region_id, edit=True)
    data = _parse(request, RegionPatch)
    parent: Any = services.UNSET
    if "parent_id" in data.model_fields_set and data.parent_id != region.parent_id:
        if data.parent_id is None:
            if edit_paths(request.user) is not None:
                raise PermissionDenied(_("Only the system administrator can add a region at the top of the tree."))
            parent = None
        else:
            parent = selectors.region_get_for(user=request.user, pk=data.parent_id, edit=True)
    region = services.region_update(
        actor=request.user,
        region=region,
        name=data.name if data.name is not None else region.name,
        code=data.code if data.code is not None else region.code,
        parent=parent,
        reason=data.reason,
    )
    return Status(200, _region_out(region))


@router.post(
    "/congresses",
    response={201: CongressOut, **ERRORS},
    auth=staff_auth,
    summary="Create a congress",
    openapi_extra=_body_doc(CongressIn),
)
@api_errors
def congress_create(request):
    _require_manage(request)
    data = _parse(request, CongressIn)
    region = selectors.region_get_for(user=request.user, pk=data.region_id, edit=True)
    congress = services.congress_create(
        actor=request.user, region=region, name=data.name, motion_threshold=data.motion_threshold
    )
    return Status(201, _congress_out(congress))


@router.patch(
    "/congresses/{int:congress_id}",
    response={200: CongressOut, **ERRORS},
    auth=staff_auth,
    summary="Change a congress",
    openapi_extra=_body_doc(CongressPatch),
)
@api_errors
def congress_update(request, congress_id: int):
    _require_manage(request)
    congress = selectors.congress_get_for(user=request.user, pk=congress_id, edit=True)
    data = _parse(request, CongressPatch)
    congress = services.congress_update(
        actor=request.user,
        congress=congress,
        name=data.name if data.name is not None else congress.name,
        motion_threshold=data.motion_threshold if data.motion_threshold is not None else congress.motion_threshold,
        reason=data.reason,
    )
    return Status(200, _congress_out(congress))


@router.post(
    "/terms",
    response={201: TermOut, **ERRORS},
    auth=staff_auth,
    summary="Create a term",
    openapi_extra=_body_doc(TermIn),
)
@api_errors
def term_create(request):
    _require_manage(request)
    data = _parse(request, TermIn)
    congress = selectors.congress_get_for(user=request.user, pk=data.congress_id, edit=True)
    term = services.term_create(
        actor=request.user, congress=congress, number=data.number, start_date=data.start_date, end_date=data.end_date
    )
    return Status(201, term)


@router.patch(
    "/terms/{int:term_id}",
    response={200: TermOut, **ERRORS},
    auth=staff_auth,
    summary="Change a term",
    openapi_extra=_body_doc(TermPatch),
)
@api_errors
def term_update(request, term_id: int):
    _require_manage(request)
    term = selectors.term_get_for(user=request.user, pk=term_id, edit=True)
    data = _parse(request, TermPatch)
    term = services.term_update(
        actor=request.user,
        term=term,
        number=data.number if data.number is not None else term.number,
        start_date=data.start_date or term.start_date,
        end_date=data.end_date or term.end_date,
        reason=data.reason,
    )
    return Status(200, Term.objects.prefetch_related("sessions").get(pk=term.pk))


@router.post(
    "/sessions",
    response={201: SessionWriteOut, **ERRORS},
    auth=staff_auth,
    summary="Create a session",
    openapi_extra=_body_doc(SessionIn),
)
@api_errors
def session_create(request):
    """`warnings` lists what is recorded but short of the rules, such as a notice to deputies fewer
    than 15 days before the opening (003 §4)."""
    _require_manage(request)
    data = _parse(request, SessionIn)
    term = selectors.term_get_for(user=request.user, pk=data.term_id, edit=True)
    session = services.session_create(
        actor=request.user,
        term=term,
        number=data.number,
        start_date=data.start_date,
        end_date=data.end_date,
        notice_date=data.notice_date,
        motion_deadline=_aware(data.motion_deadline),
    )
    return Status(201, session)


@router.patch(
    "/sessions/{int:session_id}",
    response={200: SessionWriteOut, **ERRORS},
    auth=staff_auth,
    summary="Change a session",
    openapi_extra=_body_doc(SessionPatch),
)
@api_errors
def session_update(request, session_id: int):
    _require_manage(request)
    session: Session = selectors.session_get_for(user=request.user, pk=session_id, edit=True)
    data = _parse(request, SessionPatch)
    given = data.model_fields_set
    session = services.session_update(
        actor=request.user,
        session=session,
        number=data.number if data.number is not None else session.number,
        start_date=data.start_date or session.start_date,
        end_date=data.end_date or session.end_date,
        notice_date=data.notice_date if "notice_date" in given else session.notice_date,
        motion_deadline=_aware(data.motion_deadline) if "motion_deadline" in given else session.motion_deadline,
        reason=data.reason,
    )
    return Status(200, session)


def _organ_parent(congress: Congress, parent_id: int | None) -> Organ | None:
    if parent_id is None:
        return None
    parent = Organ.objects.filter(pk=parent_id, congress=congress).first()
    if parent is None:
        raise ValidationFailed(_("An organ can only be part of an organ of the same congress."), field="parent_id")
    return parent


@router.post(
    "/organs",
    response={201: OrganOut, **ERRORS},
    auth=staff_auth,
    summary="Create an organ of a congress",
    openapi_extra=_body_doc(OrganIn),
)
@api_errors
def organ_create(request):
    _require_manage(request)
    data = _parse(request, OrganIn)
    congress = selectors.congress_get_for(user=request.user, pk=data.congress_id, edit=True)
    organ = services.organ_create(
        actor=request.user,
        congress=congress,
        kind=data.kind,
        name=data.name,
        parent=_organ_parent(congress, data.parent_id),
    )
    return Status(201, organ)


@router.patch(
    "/organs/{int:organ_id}",
    response={200: OrganOut, **ERRORS},
    auth=staff_auth,
    summary="Change an organ",
    openapi_extra=_body_doc(OrganPatch),
)
@api_errors
def organ_update(request, organ_id: int):
    _require_manage(request)
    organ = selectors.organ_get_for(user=request.user, pk=organ_id, edit=True)
    data = _parse(request, OrganPatch)
    parent = _organ_parent(organ.congress, data.parent_id) if "parent_id" in data.model_fields_set else organ.parent
    organ = services.organ_update(
        actor=request.user,
        organ=organ,
        kind=data.kind or organ.kind,
        name=data.name if data.name is not None else organ.name,
        parent=parent,
        reason=data.reason,
    )
    return Status(200, organ)


def _unit_parent(region: Region, parent_id: int | None) -> HandlingUnit | None:
    if parent_id is None:
        return None
    parent = HandlingUnit.objects.filter(pk=parent_id, region=region).first()
    if parent is None:
        raise ValidationFailed(_("A unit can only be a department of a unit of the same region."), field="parent_id")
    return parent


@router.post(
    "/units",
    response={201: UnitOut, **ERRORS},
    auth=staff_auth,
    summary="Create a handling unit",
    openapi_extra=_body_doc(UnitIn),
)
@api_errors
def unit_create(request):
    _require_manage(request)
    data = _parse(request, UnitIn)
    region = selectors.region_get_for(user=request.user, pk=data.region_id, edit=True)
    unit = services.unit_create(
        actor=request.user, region=region, name=data.name, kind=data.kind, parent=_unit_parent(region, data.parent_id)
    )
    return Status(201, unit)


@router.patch(
    "/units/{int:unit_id}",
    response={200: UnitOut, **ERRORS},
    auth=staff_auth,
    summary="Change, deactivate or reactivate a handling unit",
    openapi_extra=_body_doc(UnitPatch),
)
@api_errors
def unit_update(request, unit_id: int):
    _require_manage(request)
    unit = selectors.unit_get_for(user=request.user, pk=unit_id, edit=True)
    data = _parse(request, UnitPatch)
    given = data.model_fields_set
    with transaction.atomic():  # a change and a (de)activation in one request stand or fall together
        if given & {"name", "kind", "parent_id"}:
            unit = services.unit_update(
                actor=request.user,
                unit=unit,
                name=data.name if data.name is not None else unit.name,
                kind=data.kind or unit.kind,
                parent=_unit_parent(unit.region, data.parent_id) if "parent_id" in given else unit.parent,
                reason=data.reason,
            )
        if data.is_active is not None and data.is_active != unit.is_active:
            change = services.unit_reactivate if data.is_active else services.unit_deactivate
            unit = change(actor=request.user, unit=unit, reason=data.reason)
    return Status(200, HandlingUnit.objects.select_related("region").get(pk=unit.pk))
