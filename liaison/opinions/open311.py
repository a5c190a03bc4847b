"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) mapped onto opinions, so that existing
civic clients can send opinions and follow them: `/open311/v2/…`, each resource in JSON and XML
(`services.json`, `requests.xml`, …). Errors are Open311's `[{"code": 400, "description": "…"}]`
(XML: `<errors><error>…`), in the caller's language.

How the standard maps here (docs/api.md says the same for client developers):
- A service is an opinion category: `service_code` = the category's code. `jurisdiction_id` is a
  region's 12-digit division code (行政区划代码); without it the default list serves everywhere.
- POST requests: form-encoded as the standard says; no `api_key` is needed (the public form needs
  none) and one given is ignored; the public form's per-address hourly limit applies to every request
  (429). The place is `jurisdiction_id`, refined by `lat`/`long` to the region of the nearest liaison
  station within 30 km (inside the jurisdiction when one is given); a point alone is enough.
  `description` becomes the opinion's text, `address_string` the place concerned, first/last name,
  phone and e-mail the sender's contact — kept encrypted like the web form's. A phone cannot be
  confirmed by SMS through Open311: it is stored as unconfirmed and nothing is sent to it (no SMS, no
  e-mail: the client follows the request itself). `media_url`, `address_id`, `device_id`,
  `account_id` and `attribute[…]` are ignored (nothing is fetched from other servers).
  `service_request_id` is the opinion's tracking code; an `Idempotency-Key` header makes a retried
  POST answer the first request's code.
- GET requests: by `service_request_id` (tracking codes, comma-separated) any opinion, as the tracking
  page shows it; without it, only published results, identified as `P-<id>` — a tracking code is the
  citizen's key to their tracking page and is never listed. Unknown codes count against the address
  like on the tracking page. Looked up by its code, a request's `status_notes` is the answer as the
  tracking page shows it; in the listing it is the redacted, published answer. `description` is
  the redacted, published text, and only once published; `address` is the region's name; `lat`/`long`
  only for published results, rounded to about 100 m. No personal data, ever.
- status: `closed` once the citizen has the answer or the opinion has left the process (answered on
  the spot, fed back, closed, redirected, merged, converted), `open` otherwise.
"""

import datetime
import functools
import json
import math
import re
from decimal import Decimal
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from liaison.core.exceptions import ApplicationError, NotFound, ValidationFailed
from liaison.core.requestlocal import client_ip
from liaison.regions.models import Region
from liaison.stations.models import Station

from . import services, throttle
from .api import idempotency_key_of
from .models import Assignment, Category, Opinion, PublicAttempt
from .workflow import ANSWERED_STATES

S = Opinion.Status
SPEC = "http://wiki.open311.org/GeoReport_v2"
CLOSED = frozenset({S.ANSWERED_ON_SPOT, S.FED_BACK, S.CLOSED, S.REDIRECTED, S.MERGED, S.CONVERTED})
OPEN = frozenset(set(S.values) - CLOSED)
STATION_RADIUS_KM = 30
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
MAX_IDS = 50
PUBLISHED_ID = re.compile(r"[Pp]-?(\d{1,11})")
FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


# --- formats ----------------------------------------------------------------------------------------


def _xml_value(parent, key: str, value) -> None:
    element = ElementTree.SubElement(parent, key)
    if isinstance(value, list):
        for item in value:
            _xml_value(element, key.removesuffix("s"), item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(element, k, v)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def respond(fmt: str, rows: list[dict], *, root: str, item: str, status: int = 200) -> HttpResponse:
    """The rows as a JSON array, or as XML `<root><item>…</item>…</root>` (UTF-8, declared)."""
    if fmt == "xml":
        top = ElementTree.Element(root)
        for row in rows:
            element = ElementTree.SubElement(top, item)
            for key, value in row.items():
                _xml_value(element, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, encoding="unicode")
        return HttpResponse(body.encode(), status=status, content_type="text/xml; charset=utf-8")
    body = json.dumps(rows, ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type="application/json; charset=utf-8")


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    rows = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(fmt, rows, root="errors", item="error", status=status)


def endpoint(*methods: str):
    """An Open311 view: `fmt` is json or xml; domain errors become Open311 errors with their HTTP
    status (a 429 with Retry-After); other methods get 405. No CSRF: no cookie is ever used here."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if request.method not in methods:
                response = errors(fmt, 405, [_("Method not allowed.")])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except ValidationFailed as error:
                found = [m for messages in (error.errors or {}).values() for m in messages]
                return errors(fmt, 400, found or [error.message])
            except ApplicationError as error:
                response = errors(fmt, error.status, [error.message])
                if error.status == 429 and error.extra.get("retry_after"):
                    response["Retry-After"] = str(error.extra["retry_after"])
                return response

        return wrapper

    return decorate


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _end_of(day: datetime.date | None) -> str | None:
    if day is None:
        return None
    moment = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(moment).isoformat(timespec="seconds")


# --- places and services -----------------------------------------------------------------------------


def jurisdiction(value: str | None) -> Region | None:
    value = (value or "").strip()
    if not value:
        return None
    region = Region.objects.filter(code=value).first()
    if region is None:
        raise NotFound(_("Unknown jurisdiction_id: use the region's 12-digit division code."))
    return region


def _point(lat, lon) -> tuple[float, float] | None:
    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        point = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationFailed(_("lat and long must both be numbers."), field="lat") from None
    if not (math.isfinite(point[0]) and math.isfinite(point[1]) and -90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise ValidationFailed(_("lat or long is out of range."), field="lat")
    return point


def nearest_station_region(lat: float, lon: float, *, within: Region | None = None) -> Region | None:
    """The region of the open liaison station nearest to the point, within STATION_RADIUS_KM (and
    inside `within`), or None. A bounding box first (one indexed-enough query over few rows), then
    the distance on the sphere's tangent plane — plenty at this range."""
    dlat = STATION_RADIUS_KM / 111.0
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = Station.objects.filter(
        is_active=True,
        latitude__gte=lat - dlat,
        latitude__lte=lat + dlat,
        longitude__gte=lon - dlon,
        longitude__lte=lon + dlon,
    )
    if within is not None:
        rows = rows.filter(region_path__startswith=within.path)
    best, best_km = None, STATION_RADIUS_KM
    for region_id, s_lat, s_lon in rows.values_list("region_id", "latitude", "longitude")[:2000]:
        x = (float(s_lon) - lon) * math.cos(math.radians(lat)) * 111.0
        y = (float(s_lat) - lat) * 111.0
        km = math.hypot(x, y)
        if km <= best_km:
            best, best_km = region_id, km
    return Region.objects.filter(pk=best).first() if best else None


def category_for(code: str, region: Region | None) -> Category:
    """The category of a service code offered at the place: the most local one when a region
    added a category of the same code as the default list's."""
    rows = list(services.category_choices(region).filter(code=(code or "").strip()).select_related("region"))
    if not rows:
        raise ValidationFailed(_("Unknown service_code: see services.json."), field="service_code")
    return max(rows, key=lambda c: len(c.region.path) if c.region_id else 0)


@endpoint("GET")
def discovery(request, fmt):
    base = f"{settings.SITE_BASE_URL}/open311/v2/"
    row = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": settings.SITE_BASE_URL,
        "key_service": _("No key is needed."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    if fmt == "xml":
        return respond(fmt, [row], root="discovery", item="service")
    return HttpResponse(json.dumps(row, ensure_ascii=False).encode(), content_type="application/json; charset=utf-8")


@endpoint("GET")
def service_list(request, fmt):
    """The categories offered at `jurisdiction_id` (the default list without it)."""
    region = jurisdiction(request.GET.get("jurisdiction_id"))
    rows = services.category_choices(region).select_related("region").order_by("sort", "id")
    general = _("All regions")
    return respond(
        fmt,
        [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.name,
                "metadata": False,
                "type": "realtime",
                "keywords": c.code,
                "group": c.region.name if c.region_id else general,
            }
            for c in rows
        ],
        root="services",
        item="service",
    )


@endpoint("GET")
def service_definition(request, fmt, code):
    """No service has extra attributes (metadata false); answered anyway for clients that ask."""
    category = category_for(code, jurisdiction(request.GET.get("jurisdiction_id")))
    row = {"service_code": category.code, "attributes": []}
    if fmt == "xml":
        return respond(fmt, [row], root="service_definitions", item="service_definition")
    return HttpResponse(json.dumps(row).encode(), content_type="application/json; charset=utf-8")


# --- requests -----------------------------------------------------------------------------------------


# What a service request shows, and nothing else: the sender's (encrypted) contact is never loaded.
REQUEST_FIELDS = (
    "tracking_code",
    "status",
    "created_at",
    "updated_at",
    "due_date",
    "latitude",
    "longitude",
    "answer",
    "is_published",
    "published_text",
    "published_answer",
    "region__name",
    "category__name",
    "category__code",
    "merged_into__status",
    "merged_into__answer",
)


def _with_units(qs):
    """Opinions as service requests: their fields, and the names of the units handling them (a list
    in `units`, no queryset per row) — three queries for any number of rows."""
    live = (
        Assignment.objects.filter(status__in=["pending", "accepted", "replied"])
        .select_related("unit")
        .only("opinion_id", "unit__name")
    )
    return (
        qs.select_related("region", "category", "merged_into")
        .only(*REQUEST_FIELDS)
        .prefetch_related(Prefetch("assignments", queryset=live, to_attr="units"))
    )


def as_request(o: Opinion, *, by_code: bool) -> dict:
    """One opinion as an Open311 service request: nothing personal, the text only once published."""
    published = o.is_published
    units = list(dict.fromkeys(a.unit.name for a in o.units))
    source = o.merged_into if o.merged_into_id else o
    if published and o.published_answer:
        notes = o.published_answer
    elif by_code and source.answer and (source.status in ANSWERED_STATES or o.status == S.REDIRECTED):
        notes = source.answer  # what the tracking page shows to whoever holds the code
    else:
        notes = str(o.get_status_display())
    data = {
        "service_request_id": o.tracking_code if by_code else f"P-{o.pk}",
        "status": "closed" if o.status in CLOSED else "open",
        "status_notes": notes,
        "service_name": o.category.name if o.category_id else None,
        "service_code": o.category.code if o.category_id else None,
        "description": o.published_text,
        "agency_responsible": "、".join(units) or None,
        "service_notice": None,
        "requested_datetime": _iso(o.created_at),
        "updated_datetime": _iso(o.updated_at),
        "expected_datetime": _end_of(o.due_date) if o.status not in CLOSED else None,
        "address": o.region.name,
        "address_id": None,
        "zipcode": None,
        "lat": float(round(o.latitude, 3)) if published and o.latitude is not None else None,
        "long": float(round(o.longitude, 3)) if published and o.longitude is not None else None,
        "media_url": None,
    }
    if not published:
        del data["description"]
    return data


def _when(value: str | None, *, end: bool = False) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "+")) if "T" in value else None
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValidationFailed(_("Dates are ISO 8601, e.g. 2026-03-01T08:00:00+08:00."), field="start_date")
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _by_ids(request, raw: str) -> list[dict]:
    """Requests named by the caller: tracking codes (any opinion, as its tracking page) or `P-<id>`
    of published results. Unknown codes count against the address like on the tracking page."""
    tokens = [t.strip() for t in raw.split(",") if t.strip()][:MAX_IDS]
    published_ids = [int(m.group(1)) for t in tokens if (m := PUBLISHED_ID.fullmatch(t))]
    codes = [services.normalize_tracking_code(t) for t in tokens if not PUBLISHED_ID.fullmatch(t)]
    codes = [c for c in codes if c]
    ip = client_ip(request)
    if codes:
        throttle.attempts_check(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
    found = {o.tracking_code: o for o in _with_units(Opinion.objects.filter(tracking_code__in=codes))}
    for _missing in set(codes) - set(found):
        throttle.attempt_record(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
    published = {o.pk: o for o in _with_units(Opinion.objects.filter(pk__in=published_ids, is_published=True))}
    rows = []
    for token in tokens:
        if m := PUBLISHED_ID.fullmatch(token):
            if (o := published.get(int(m.group(1)))) is not None:
                rows.append(as_request(o, by_code=False))
        elif (o := found.get(services.normalize_tracking_code(token))) is not None:
            rows.append(as_request(o, by_code=True))
    return rows


def _browse(request) -> list[dict]:
    """Published results with the standard's filters; the last 90 days by default, at most 1000."""
    region = jurisdiction(request.GET.get("jurisdiction_id"))
    qs = Opinion.objects.filter(is_published=True)
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    start, end = _when(request.GET.get("start_date")), _when(request.GET.get("end_date"), end=True)
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    wanted = {s.strip() for s in (request.GET.get("status") or "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise ValidationFailed(_("status is open, closed or both (comma-separated)."), field="status")
    if wanted == {"open"}:
        qs = qs.filter(status__in=OPEN)
    elif wanted == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    rows = _with_units(qs).order_by("-created_at", "-id")[:MAX_RESULTS]
    return [as_request(o, by_code=False) for o in rows]


def _create(request, fmt) -> HttpResponse:
    data = request.POST
    text = (data.get("description") or "").strip()
    if not text:
        raise ValidationFailed(_("description is required: it is the opinion's text."), field="description")
    point = _point(data.get("lat"), data.get("long"))
    address = (data.get("address_string") or "").strip()
    if point is None and not address and not (data.get("address_id") or "").strip():
        raise ValidationFailed(_("A location is required: lat and long, or address_string."), field="lat")
    region = jurisdiction(data.get("jurisdiction_id"))
    if point is not None:
        region = nearest_station_region(*point, within=region) or region
    if region is None:
        raise ValidationFailed(
            _("Give jurisdiction_id (a region's division code) or a point near one of the liaison stations."),
            field="jurisdiction_id",
        )
    category = category_for(data.get("service_code"), region)
    key = idempotency_key_of(request)
    ip = client_ip(request)
    first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
    chinese = re.search(r"[\u3400-\u9fff]", first + last)
    name = f"{last}{first}" if chinese else " ".join(p for p in (first, last) if p)
    opinion, secret = services.opinion_submit(
        actor=None,
        channel=Opinion.Channel.API,
        region=region,
        text=text,
        category=category,
        location=address,
        latitude=Decimal(str(point[0])) if point else None,
        longitude=Decimal(str(point[1])) if point else None,
        name=name,
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip(),
        notify_by=Opinion.NotifyBy.NONE,
        verify_phone=False,
        idempotency_key=key or None,
        language=get_language(),
        counted_ip=ip,
    )
    notice = _(
        "Received. Keep the tracking code %(code)s: follow the opinion at %(url)s. "
        "The handling unit replies within %(days)s working days of assignment."
    ) % {
        "code": opinion.tracking_code,
        "url": f"{settings.SITE_BASE_URL}/track/{opinion.tracking_code}/",
        "days": settings.OPINION_REPLY_WORKING_DAYS,
    }
    row = {"service_request_id": opinion.tracking_code, "service_notice": notice, "account_id": None}
    return respond(fmt, [row], root="service_requests", item="request", status=201 if secret else 200)


@endpoint("GET", "POST")
def request_list(request, fmt):
    """GET: requests by `service_request_id` or the published results; POST: send an opinion."""
    if request.method == "POST":
        return _create(request, fmt)
    ids = (request.GET.get("service_request_id") or "").strip()
    rows = _by_ids(request, ids) if ids else _browse(request)
    return respond(fmt, rows, root="service_requests", item="request")


@endpoint("GET")
def request_detail(request, fmt, request_id):
    rows = _by_ids(request, request_id)
    if not rows:
        raise NotFound(_("No service request with this id."))
    return respond(fmt, rows, root="service_requests", item="request")
