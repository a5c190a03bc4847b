"""The opinions part of the JSON API (`/api/opinions/…`): the same services and selectors as the
citizen's pages and the workspace, so every rule (validation, SMS confirmation, scope, the workflow
table, versions, audit) holds here too.

- Public, no token: send an opinion (channel "api"), ask for an SMS code, follow an opinion by its
  tracking code and rate the answer, read the published results and the categories of a place. The
  per-address limits of the public pages apply (liaison.opinions.throttle), and nothing public carries
  personal data.
- Staff (token or verified session, liaison.api.auth): the triage queue, one opinion (contact masked;
  the full contact through an audited call), one POST per step of the workflow.
- Handling units: their assignments and the unit's steps.

Errors are JSON `{code, message[, field, errors, extra]}` in the caller's language (the API's one error
mapping in liaison.api.api): 400 invalid, 403 `not_your_step` / `permission_denied`, 404 missing or
outside the caller's scope, 409 `opinion_changed` (someone acted since the `version` you sent) or
`transition_not_allowed` (not possible in the current state), 429 beyond a rate limit."""

import datetime
import json
import re

import pydantic
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import codes_4xx

from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut, PageOut, PageQuery, Ref
from liaison.core import files
from liaison.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from liaison.core.paging import capped_count, rows_in_two_steps
from liaison.core.requestlocal import client_ip
from liaison.regions.models import HandlingUnit
from liaison.regions.selectors import region_by_id
from liaison.stations.selectors import public_station_get

from . import rules, selectors, services, throttle
from .models import Assignment, Category, Event, Opinion, PublicAttempt
from .public_views import public_step
from .workflow import actions_for

router = Router(tags=["opinions"])
PUBLIC, STAFF, UNIT = ["opinions · public"], ["opinions · staff"], ["opinions · handling units"]
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{16,64}")
RECEIPT_SALT = "liaison.opinions.api.receipt"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = gettext_lazy("This idempotency key was already used for a different opinion.")


# --- schemas ----------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    region_id: int | None = Field(description="null: part of the default list every region sees")


class SubmitIn(Schema):
    text: str = Field(max_length=5000, description="the opinion, at least a few characters")
    title: str = Field("", max_length=120, description="subject; made from the text when empty")
    region_id: int | None = Field(None, description="the place the opinion is about (required without station_id)")
    station_id: int | None = Field(None, description="the liaison station it is sent to (optional)")
    category_id: int | None = Field(None, description="one of GET /api/opinions/categories?region=…")
    location: str = Field("", max_length=200, description="the place concerned (street, building)")
    latitude: float | None = None
    longitude: float | None = None
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=32, description="a mainland mobile number; needs `sms_code`")
    sms_code: str = Field("", max_length=10, description="the code sent by POST /api/opinions/sms-code")
    email: str = Field("", max_length=200)
    address: str = Field("", max_length=200, description="the sender's postal address (kept encrypted)")
    notify_by: str = Field("none", description="none, sms or email: how to tell the sender of the answer")
    idempotency_key: str = Field(
        "",
        max_length=64,
        description="16–64 letters, digits or _.:- (a UUID): a retried request with the same key makes no "
        "second opinion and answers the first. The `Idempotency-Key` header does the same.",
    )


class SubmitOut(Schema):
    tracking_code: str
    status: str
    track_url: str
    secret: str | None = Field(
        description="the receipt that proves later that you sent the opinion (for rating the answer); "
        "only a hash is stored — keep it. Given again on a retry with the same idempotency key."
    )
    replayed: bool = Field(description="true when the idempotency key named an opinion already sent")
    phone_verified: bool


class SmsCodeIn(Schema):
    phone: str = Field(max_length=32)
    purpose: str = Field("opinion", description="opinion (to send one with this phone) or rating")
    tracking_code: str = Field("", max_length=32, description="with purpose rating: the opinion to rate")


class SmsCodeOut(Schema):
    sent: bool
    message: str
    valid_minutes: int


class StepOut(Schema):
    at: datetime.datetime
    action: str
    status: str
    text: str = Field(description="the step in the citizen's words (units and regions named, never staff)")


class TrackOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    region: str
    category: str | None
    station: str | None
    received_on: datetime.date
    steps: list[StepOut]
    answered: bool
    answer: str = Field(description="the answer to the citizen, once there is one")
    merged_into: str | None = Field(description="tracking code of the opinion this one was merged into")
    can_rate: bool
    satisfaction: str


class RatingIn(Schema):
    satisfaction: str = Field(description="satisfied, basically or dissatisfied")
    comment: str = Field("", max_length=2000)
    secret: str = Field("", max_length=100, description="the receipt `secret` given when the opinion was sent")
    phone: str = Field("", max_length=32, description="or: the phone given with the opinion …")
    sms_code: str = Field("", max_length=10, description="… and a code sent to it (purpose rating)")


class PublishedOut(Schema):
    id: int
    title: str
    text: str
    answer: str
    published_at: datetime.datetime | None
    region: str
    category: str | None
    status: str
    satisfaction: str


class PublishedPage(PageOut):
    items: list[PublishedOut]


class PublishedQuery(PageQuery):
    region: int | None = None
    category: int | None = None
    q: str = Field("", max_length=50)


# staff


class QueueQuery(PageQuery):
    status: str = Field("open", description="open, all, or one status")
    queue: str = Field("mine", description="mine: waiting at your level or station; all: everything you may see")
    region: int | None = Field(None, description="where the matter is (a region and below)")
    category: int | None = None
    channel: str = ""
    level: str = ""
    station: int | None = None
    overdue: bool = False
    q: str = Field("", max_length=100, description="words of the subject or text, or a tracking code")
    sort: str = Field("oldest", description="oldest, newest or deadline")


class QueueItem(Schema):
    id: int
    tracking_code: str
    version: int
    status: str
    status_label: str
    channel: str
    title: str
    region: Ref
    category: Ref | None
    station: Ref | None
    level: str
    received_on: datetime.date
    created_at: datetime.datetime
    due_date: datetime.date | None
    overdue: bool


class QueuePage(PageOut):
    items: list[QueueItem]


class ContactOut(Schema):
    name: str
    phone: str
    email: str
    address: str


class ReplyOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime.datetime
    attachment_ids: list[int]


class UnitContactOut(Schema):
    id: int
    kind: str
    date: datetime.date
    note: str


class ExtensionOut(Schema):
    id: int
    requested_deadline: datetime.date
    reason: str
    status: str
    decided_at: datetime.datetime | None
    decision_note: str


class AssignmentOut(Schema):
    id: int
    unit: Ref
    status: str
    status_label: str
    deadline: datetime.date
    overdue: bool
    instructions: str
    accepted_at: datetime.datetime | None
    replied_at: datetime.datetime | None
    returned_reason: str
    replies: list[ReplyOut]
    contacts: list[UnitContactOut]
    extensions: list[ExtensionOut]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    reply_id: int | None
    url: str = Field(description="download with the same token")


class EventOut(Schema):
    at: datetime.datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    comment: str
    public: bool


class OpinionOut(QueueItem):
    text: str
    location: str
    latitude: float | None
    longitude: float | None
    queue_region: Ref
    contact: ContactOut = Field(description="masked (李*, 138****1234); POST …/contact for the full data")
    contact_purged: bool
    phone_verified: bool
    notify_by: str
    received_by: Ref | None
    answer: str
    replies_text: str = Field(description="the units' replies, joined: a starting point for feed-back")
    satisfaction: str
    reopen_count: int
    escalations: int
    redirect_target: str
    merged_into: str | None
    accepted_at: datetime.datetime | None
    answered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    is_published: bool
    published_at: datetime.datetime | None
    published_title: str
    published_text: str
    published_answer: str
    assignments: list[AssignmentOut]
    attachments: list[AttachmentOut]
    timeline: list[EventOut]
    actions: list[str] = Field(description="the steps you may take now (workflow table)")


class VersionIn(Schema):
    version: int | None = Field(
        None, description="the opinion's `version` you saw: 409 opinion_changed when someone acted since"
    )


class AcceptIn(VersionIn):
    level: str = Field(description="township, county, prefecture or province")
    category_id: int | None = None
    comment: str = Field("", max_length=2000)


class AnswerIn(VersionIn):
    answer: str = Field(max_length=10000)


class AssignIn(VersionIn):
    unit_ids: list[int] = Field(description="handling units of the opinion's level (GET …/units)")
    deadline: datetime.date | None = Field(
        None, description=f"default: {settings.OPINION_REPLY_WORKING_DAYS} working days"
    )
    instructions: str = Field("", max_length=2000)


class CommentIn(VersionIn):
    comment: str = Field(max_length=2000, description="the reason (required)")


class RedirectIn(CommentIn):
    target: str = Field(description="petition, court or other")


class MergeIn(VersionIn):
    into: str = Field(max_length=32, description="tracking code of an earlier opinion on the same issue")
    comment: str = Field("", max_length=2000)


class WithdrawIn(CommentIn):
    assignment_id: int


class DecideIn(VersionIn):
    approve: bool
    note: str = Field("", max_length=2000, description="required when refusing")


class ReturnVisitIn(VersionIn):
    satisfaction: str = Field(description="satisfied, basically or dissatisfied (the first dissatisfied reopens)")
    method: str = Field(description="phone, visit or sms")
    comment: str = Field("", max_length=2000)


class PublishIn(VersionIn):
    title: str | None = Field(None, max_length=120, description="default: the redacted subject (…/publication)")
    text: str | None = Field(None, max_length=5000, description="default: the redacted text")
    answer: str | None = Field(None, max_length=10000, description="default: the redacted answer")


class PublicationOut(Schema):
    title: str
    text: str
    answer: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    region: Ref


# units


class OpinionBrief(Schema):
    id: int
    tracking_code: str
    version: int
    status: str
    title: str
    text: str
    location: str
    region: Ref
    category: Ref | None
    received_on: datetime.date


class UnitAssignmentItem(Schema):
    id: int
    status: str
    status_label: str
    deadline: datetime.date
    overdue: bool
    extension_pending: bool
    unit: Ref
    opinion: OpinionBrief


class UnitAssignmentPage(PageOut):
    items: list[UnitAssignmentItem]


class UnitAssignmentOut(AssignmentOut):
    opinion: OpinionBrief
    contact: ContactOut = Field(description="masked; POST /api/opinions/{opinion_id}/contact for the full data")
    timeline: list[EventOut] = Field(description="the public steps and the unit's own")
    attachments: list[AttachmentOut] = Field(description="the citizen's attachments")
    actions: list[str]


class UnitQueueQuery(PageQuery):
    state: str = Field("open", description="open, overdue, or one status: pending, accepted, returned, replied")
    q: str = Field("", max_length=100)


class ReturnIn(VersionIn):
    reason: str = Field(max_length=2000, description="why this unit is not the right one")


class ContactIn(VersionIn):
    kind: str = Field(description="phone, visit, meeting, letter or other")
    date: datetime.date
    note: str = Field(max_length=2000)


class ReplyIn(VersionIn):
    text: str = Field(max_length=10000)


class ExtensionIn(VersionIn):
    deadline: datetime.date = Field(description="the new reply date asked for")
    reason: str = Field(max_length=2000)


# --- helpers ----------------------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _page(qs, query: PageQuery, build) -> dict:
    count, capped = capped_count(qs)
    start = (query.page - 1) * query.page_size
    rows = rows_in_two_steps(qs, start, start + query.page_size + 1)
    return {
        "count": count,
        "count_capped": capped,
        "page": query.page,
        "page_size": query.page_size,
        "has_next": len(rows) > query.page_size,
        "items": [build(row) for row in rows[: query.page_size]],
    }


def _body(request, schema: type[Schema]) -> tuple[Schema, list]:
    """A JSON body, or a multipart form with files under `attachments` (the same fields)."""
    uploads = []
    if request.content_type == "multipart/form-data":
        data = {key: request.POST.get(key) for key in request.POST if request.POST.get(key) != ""}
        uploads = request.FILES.getlist("attachments")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationFailed(_("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise ValidationFailed(_("The request body must be a JSON object."))
    try:
        return schema.model_validate(data), uploads
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(exc.errors(include_url=False, include_context=False)) from None


def _json_or_multipart(schema: type[Schema]) -> dict:
    """The OpenAPI request body of an endpoint that reads `_body`."""
    json_schema = schema.model_json_schema()
    form_schema = {
        **json_schema,
        "properties": {
            **json_schema.get("properties", {}),
            "attachments": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": f"images (JPEG, PNG) or PDF, at most {settings.OPINION_ATTACHMENTS_MAX}",
            },
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": json_schema}, "multipart/form-data": {"schema": form_schema}},
        }
    }


def _category(pk: int | None, field: str = "category_id") -> Category | None:
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise ValidationFailed(_("Choose a category from the list."), field=field)
    return category


def _office(request) -> None:
    """The office's reads (liaison officers, station staff, leadership, deputies); a handling unit
    uses /api/opinions/assignments/… instead."""
    if not (rules.can(request.user, "triage") or rules.can(request.user, "register")):
        raise PermissionDenied()


def _unit(request) -> None:
    if not rules.can(request.user, "unit_queue"):
        raise PermissionDenied()


def _overdue(status_live: bool, deadline) -> bool:
    return bool(status_live and deadline and deadline < timezone.localdate())


def _attachment(a) -> dict:
    return {
        "id": a.pk,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "reply_id": a.reply_id,
        "url": f"/api/opinions/attachments/{a.pk}",
    }


def _event(e: Event) -> dict:
    return {
        "at": e.at,
        "actor": e.actor_label,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "comment": e.comment,
        "public": e.public,
    }


def _queue_item(o: Opinion) -> dict:
    return {
        "id": o.pk,
        "tracking_code": o.tracking_code,
        "version": o.version,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "channel": o.channel,
        "title": o.title,
        "region": _ref(o.region),
        "category": _ref(o.category),
        "station": _ref(o.station),
        "level": o.level,
        "received_on": o.received_on,
        "created_at": o.created_at,
        "due_date": o.due_date,
        "overdue": _overdue(o.status == Opinion.Status.ASSIGNED, o.due_date),
    }


def _assignment(a: Assignment, reply_files: dict[int, list[int]] | None = None) -> dict:
    """An assignment with its replies, contacts and requests for more time; `reply_files` (reply id →
    attachment ids) when the opinion's attachments are already loaded."""
    return {
        "id": a.pk,
        "unit": _ref(a.unit),
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "deadline": a.deadline,
        "overdue": _overdue(a.status in ("pending", "accepted"), a.deadline),
        "instructions": a.instructions,
        "accepted_at": a.accepted_at,
        "replied_at": a.replied_at,
        "returned_reason": a.returned_reason,
        "replies": [
            {
                "id": r.pk,
                "text": r.text,
                "author": getattr(r.author, "name", "") if r.author_id else "",
                "created_at": r.created_at,
                "attachment_ids": reply_files.get(r.pk, [])
                if reply_files is not None
                else [x.pk for x in r.attachments.all()],
            }
            for r in a.replies.all()
        ],
        "contacts": [{"id": c.pk, "kind": c.kind, "date": c.date, "note": c.note} for c in a.contacts.all()],
        "extensions": [
            {
                "id": x.pk,
                "requested_deadline": x.requested_deadline,
                "reason": x.reason,
                "status": x.status,
                "decided_at": x.decided_at,
                "decision_note": x.decision_note,
            }
            for x in a.extensions.all()
        ],
    }


def _opinion(request, pk: int) -> dict:
    """One opinion as the office sees it, with what the caller may do now."""
    o = selectors.opinion_get_for(user=request.user, pk=pk)
    assignments = list(o.assignments.all())
    caps = rules.capacities(request.user, o, assignments=assignments)
    attachments = list(o.attachments.all())
    reply_files: dict[int, list[int]] = {}
    for x in attachments:
        if x.reply_id:
            reply_files.setdefault(x.reply_id, []).append(x.pk)
    data = _queue_item(o)
    data.update(
        text=o.text,
        location=o.location,
        latitude=_float(o.latitude),
        longitude=_float(o.longitude),
        queue_region=_ref(o.queue_region),
        contact=selectors.contact_masked(o),
        contact_purged=o.contact_purged_at is not None,
        phone_verified=o.phone_verified,
        notify_by=o.notify_by,
        received_by=_ref(o.received_by),
        answer=o.answer,
        replies_text=services.replies_text(o),
        satisfaction=o.satisfaction,
        reopen_count=o.reopen_count,
        escalations=o.escalations,
        redirect_target=o.redirect_target,
        merged_into=o.merged_into.tracking_code if o.merged_into_id else None,
        accepted_at=o.accepted_at,
        answered_at=o.answered_at,
        closed_at=o.closed_at,
        is_published=o.is_published,
        published_at=o.published_at,
        published_title=o.published_title,
        published_text=o.published_text,
        published_answer=o.published_answer,
        assignments=[_assignment(a, reply_files) for a in assignments],
        attachments=[_attachment(x) for x in attachments],
        timeline=[_event(e) for e in o.events.all()],
        actions=actions_for(o, caps),
    )
    return data


def _brief(o: Opinion) -> dict:
    return {
        "id": o.pk,
        "tracking_code": o.tracking_code,
        "version": o.version,
        "status": o.status,
        "title": o.title,
        "text": o.text,
        "location": o.location,
        "region": _ref(o.region),
        "category": _ref(o.category),
        "received_on": o.received_on,
    }


def _unit_assignment(request, pk: int) -> dict:
    a = selectors.unit_assignment_get_for(user=request.user, pk=pk)
    data = _assignment(a)
    live = a.status in ("pending", "accepted")
    actions = actions_for(a.opinion, {"unit"}) if live else []
    if a.status != Assignment.Status.PENDING:
        actions = [name for name in actions if name != "unit_accept"]
    data.update(
        opinion=_brief(a.opinion),
        contact=selectors.contact_masked(a.opinion),
        timeline=[_event(e) for e in selectors.unit_timeline(assignment=a)],
        attachments=[_attachment(x) for x in selectors.opinion_attachments_for_unit(assignment=a)],
        actions=actions,
    )
    return data


def _unit_assignment_id(request, pk: int) -> Assignment:
    """The caller's unit's assignment (403 for a user who is no unit's staff, 404 for another unit's)."""
    _unit(request)
    assignment = Assignment.objects.filter(pk=pk, unit_id__in=rules.unit_ids_of(request.user)).first()
    if assignment is None:
        raise NotFound()
    return assignment


def _track(request, code: str):
    """selectors.track behind the per-address limit on unknown codes, as on the tracking page."""
    ip = client_ip(request)
    throttle.attempts_check(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
    try:
        return selectors.track(code)
    except NotFound:
        throttle.attempt_record(kind=PublicAttempt.Kind.TRACK_MISS, ip=ip)
        raise


def _tracking_out(t: selectors.Tracking) -> dict:
    o = t.opinion
    return {
        "tracking_code": o.tracking_code,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "region": o.region.name,
        "category": o.category.name if o.category_id else None,
        "station": o.station.name if o.station_id else None,
        "received_on": o.received_on,
        "steps": [{"at": e.at, "action": e.action, "status": e.to_status, "text": public_step(e)} for e in t.events],
        "answered": t.answered,
        "answer": t.answer,
        "merged_into": t.merged_into.tracking_code if t.merged_into is not None else None,
        "can_rate": t.can_rate,
        "satisfaction": o.satisfaction,
    }


def _published(o: Opinion) -> dict:
    return {
        "id": o.pk,
        "title": o.published_title,
        "text": o.published_text,
        "answer": o.published_answer,
        "published_at": o.published_at,
        "region": o.region.name,
        "category": o.category.name if o.category_id else None,
        "status": o.status,
        "satisfaction": o.satisfaction,
    }


def idempotency_key_of(request, field_value: str = "") -> str:
    """The request's idempotency key: the `Idempotency-Key` header or the body's field (the same when
    both are given), 16–64 characters; "" without one."""
    header = (request.headers.get("Idempotency-Key") or "").strip()
    value = (field_value or "").strip()
    if header and value and header != value:
        raise ValidationFailed(
            _("The Idempotency-Key header and the idempotency_key field differ."), field="idempotency_key"
        )
    key = header or value
    if key and not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailed(
            _("An idempotency key has 16 to 64 letters, digits or the signs _ . : - (a UUID will do)."),
            field="idempotency_key",
        )
    return key


def receipt_secret(key: str) -> str:
    """The receipt secret of a submission with an idempotency key: derived from the key, so that a
    client whose first answer was lost gets the same receipt on the retry."""
    return salted_hmac(RECEIPT_SALT, key, algorithm="sha256").hexdigest()[:43]


# --- public -----------------------------------------------------------------------------------------


@router.get(
    "/categories", response={200: list[CategoryOut], codes_4xx: ErrorOut}, tags=PUBLIC, summary="Categories of a place"
)
def category_list(request, region: int | None = None):
    """The default list plus the categories a region and its ancestors added; the default list alone
    without `region`."""
    place = region_by_id(region) if region is not None else None
    if region is not None and place is None:
        raise NotFound(_("Unknown region."), field="region")
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "region_id": c.region_id}
        for c in services.category_choices(place).order_by("sort", "id")
    ]


@router.post(
    "/",
    response={200: SubmitOut, 201: SubmitOut, codes_4xx: ErrorOut},
    tags=PUBLIC,
    summary="Send an opinion",
    openapi_extra=_json_or_multipart(SubmitIn),
)
def opinion_submit(request):
    """Send an opinion as a citizen (channel `api`), as JSON or as a multipart form with
    `attachments`. Anonymous opinions are allowed. A phone needs `sms_code` (POST
    /api/opinions/sms-code first). Without a confirmed phone, the per-address hourly limit of the
    public form applies (429 `too_many_submissions`). 201 with the tracking code and the receipt
    `secret`; 200 with `replayed: true` when the idempotency key named an opinion already sent."""
    payload, uploads = _body(request, SubmitIn)
    key = idempotency_key_of(request, payload.idempotency_key)
    station = None
    if payload.station_id is not None:
        try:
            station = public_station_get(pk=payload.station_id)
        except NotFound:
            raise ValidationFailed(_("Unknown station."), field="station_id") from None
    region = region_by_id(payload.region_id) if payload.region_id is not None else None
    if payload.region_id is not None and region is None:
        raise ValidationFailed(_("Unknown region."), field="region_id")
    if region is None and station is not None:
        region = station.region
    ip = client_ip(request)
    counted = not (payload.phone.strip() and settings.OPINION_SMS_VERIFICATION)
    opinion, secret = services.opinion_submit(
        actor=None,
        channel=Opinion.Channel.API,
        region=region,
        station=station,
        text=payload.text,
        title=payload.title,
        category=_category(payload.category_id),
        location=payload.location,
        latitude=payload.latitude,
        longitude=payload.longitude,
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
        address=payload.address,
        notify_by=payload.notify_by,
        sms_code=payload.sms_code,
        attachments=uploads,
        idempotency_key=key or None,
        receipt_secret=receipt_secret(key) if key else "",
        language=get_language(),
        counted_ip=ip if counted else None,
    )
    replayed = not secret
    if replayed:
        if opinion.text != payload.text.strip():
            raise IdempotencyKeyReused(field="idempotency_key")
        derived = receipt_secret(key)
        secret = derived if services.submitter_proven(opinion, secret=derived) else None
    body = {
        "tracking_code": opinion.tracking_code,
        "status": opinion.status,
        "track_url": f"{settings.SITE_BASE_URL}/track/{opinion.tracking_code}/",
        "secret": secret,
        "replayed": replayed,
        "phone_verified": opinion.phone_verified,
    }
    return Status(200 if replayed else 201, body)


@router.post(
    "/sms-code", response={202: SmsCodeOut, codes_4xx: ErrorOut}, tags=PUBLIC, summary="Send an SMS code to a phone"
)
def sms_code(request, payload: SmsCodeIn):
    """A 6-digit code, valid for a few minutes: `purpose: opinion` before sending an opinion with this
    phone; `purpose: rating` with `tracking_code` to rate the answer (sent only when it is the number
    given with the opinion; the answer is the same either way). Limited per number and per address:
    429 `too_many_codes` with `extra.retry_after` seconds and a `Retry-After` header."""
    from liaison.notifications.verification import sms_code_send

    minutes = settings.SMS_CODE_TTL_MINUTES
    if payload.purpose == "opinion":
        if not settings.OPINION_SMS_VERIFICATION:
            raise NotFound(_("Phone numbers are not confirmed by SMS here."))
        sms_code_send(phone=payload.phone, ip=client_ip(request), purpose="opinion")
        message = _("A code was sent. It is valid for %(minutes)s minutes.") % {"minutes": minutes}
    elif payload.purpose == "rating":
        tracking = _track(request, payload.tracking_code)
        services.rating_code_send(
            tracking_code=tracking.opinion.tracking_code, phone=payload.phone, ip=client_ip(request)
        )
        message = _(
            "If this is the number given with the opinion, a code was sent to it. It is valid for %(minutes)s minutes."
        ) % {"minutes": minutes}
    else:
        raise ValidationFailed(_("The purpose is “opinion” or “rating”."), field="purpose")
    return Status(202, {"sent": True, "message": message, "valid_minutes": minutes})


@router.get("/track/{code}", response={200: TrackOut, codes_4xx: ErrorOut}, tags=PUBLIC, summary="Follow an opinion")
def track(request, code: str):
    """What the tracking page shows: status, the public steps and the answer — no personal data, no
    staff names. Unknown codes count against the address (429 `too_many_lookups` beyond the limit)."""
    return _tracking_out(_track(request, code))


@router.post(
    "/track/{code}/rating", response={200: TrackOut, codes_4xx: ErrorOut}, tags=PUBLIC, summary="Rate the answer"
)
def rate(request, code: str, payload: RatingIn):
    """The sender rates the answer, proven by the receipt `secret` or by `phone` + `sms_code`
    (purpose rating). 403 `submitter_not_proven` otherwise; 409 when there is nothing to rate now or
    the answer was rated already. The rating is shown to the office, whose return visit closes the
    opinion or, after a first "dissatisfied", reopens it once."""
    tracking = _track(request, code)
    services.opinion_rate(
        tracking_code=tracking.opinion.tracking_code,
        satisfaction=payload.satisfaction,
        comment=payload.comment,
        secret=payload.secret,
        phone=payload.phone,
        sms_code=payload.sms_code,
    )
    return _tracking_out(selectors.track(tracking.opinion.tracking_code))


@router.get("/published", response={200: PublishedPage, codes_4xx: ErrorOut}, tags=PUBLIC, summary="Published results")
def published_list(request, query: Query[PublishedQuery]):
    """Opinions published by the liaison offices, newest first, as they were redacted for publication."""
    place = region_by_id(query.region) if query.region is not None else None
    if query.region is not None and place is None:
        raise NotFound(_("Unknown region."), field="region")
    rows = selectors.published_list(region_path=place.path if place else "", category_id=query.category, q=query.q)
    return _page(rows, query, _published)


@router.get(
    "/published/{int:opinion_id}",
    response={200: PublishedOut, codes_4xx: ErrorOut},
    tags=PUBLIC,
    summary="One published result",
)
def published_detail(request, opinion_id: int):
    return _published(selectors.published_get(opinion_id))


# --- staff: reads -----------------------------------------------------------------------------------


@router.get(
    "/queue", auth=staff_auth, response={200: QueuePage, codes_4xx: ErrorOut}, tags=STAFF, summary="The triage queue"
)
def queue(request, query: Query[QueueQuery]):
    """Opinions in your scope with the workspace queue's filters (liaison officers, station staff,
    leadership, deputies); paginated, counted up to 5,000."""
    _office(request)
    region_path = ""
    if query.region is not None:
        place = region_by_id(query.region)
        if place is None:
            raise NotFound(_("Unknown region."), field="region")
        region_path = place.path
    filters = selectors.QueueFilters(
        status=query.status,
        queue=query.queue,
        region_path=region_path,
        category_id=query.category,
        channel=query.channel,
        level=query.level,
        station_id=query.station,
        overdue=query.overdue,
        q=query.q,
        sort=query.sort,
    )
    return _page(selectors.opinion_queue_for(user=request.user, filters=filters), query, _queue_item)


@router.get(
    "/{int:opinion_id}",
    auth=staff_auth,
    response={200: OpinionOut, codes_4xx: ErrorOut},
    tags=STAFF,
    summary="One opinion",
)
def opinion_detail(request, opinion_id: int):
    """The opinion with its assignments, replies, attachments and full timeline; the sender's contact
    masked. `version` goes with every step; `actions` lists the steps you may take now."""
    _office(request)
    return _opinion(request, opinion_id)


@router.post(
    "/{int:opinion_id}/contact",
    auth=staff_auth,
    response={200: ContactOut, codes_4xx: ErrorOut},
    tags=STAFF,
    summary="Reveal the sender's contact (audited)",
)
def contact_reveal(request, opinion_id: int):
    """The full contact data, for the office handling it, the deputy who received it or a unit
    handling it; every call is written to the audit trail. 410 `contact_purged` after the retention
    period."""
    return services.opinion_contact_reveal(actor=request.user, opinion_id=opinion_id)


@router.get(
    "/{int:opinion_id}/units",
    auth=staff_auth,
    response={200: list[UnitOut], codes_4xx: ErrorOut},
    tags=STAFF,
    summary="Units the opinion may be assigned to",
)
def assignable_units(request, opinion_id: int):
    _office(request)
    opinion = selectors.opinion_get_for(user=request.user, pk=opinion_id)
    return [
        {"id": u.pk, "name": u.name, "kind": u.kind, "region": _ref(u.region)}
        for u in services.units_for_assignment(opinion).order_by("name", "id")
    ]


@router.get(
    "/{int:opinion_id}/publication",
    auth=staff_auth,
    response={200: PublicationOut, codes_4xx: ErrorOut},
    tags=STAFF,
    summary="Redaction preview for publication",
)
def publication_preview(request, opinion_id: int):
    """Subject, text and answer with ID numbers, phone numbers, e-mail addresses and the sender's name
    masked: what POST …/publish publishes when given nothing else."""
    _office(request)
    return services.publication_preview(selectors.opinion_get_for(user=request.user, pk=opinion_id))


@router.get("/attachments/{int:attachment_id}", auth=staff_auth, tags=STAFF, summary="Download an attachment")
def attachment_file(request, attachment_id: int):
    """The file, to a user who sees its opinion (a unit: the citizen's files and its own replies')."""
    if rules.can(request.user, "triage") or rules.can(request.user, "register"):
        attachment = selectors.attachment_get_for(user=request.user, pk=attachment_id)
    else:
        _unit(request)
        attachment = selectors.unit_attachment_get_for(user=request.user, pk=attachment_id)
    return files.protected_file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name or f"attachment-{attachment.pk}",
        inline=False,
    )


# --- staff: the workflow's steps --------------------------------------------------------------------
# Each step calls its service (which locks the opinion and checks scope, capacity, state and version)
# and answers the opinion as it is now.

STEP = {"auth": staff_auth, "response": {200: OpinionOut, codes_4xx: ErrorOut}, "tags": STAFF}


@router.post("/{int:opinion_id}/accept", **STEP, summary="Accept (category, level)")
def accept(request, opinion_id: int, payload: AcceptIn):
    services.opinion_accept(
        actor=request.user,
        opinion_id=opinion_id,
        level=payload.level,
        category=_category(payload.category_id),
        comment=payload.comment,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/answer-on-spot", **STEP, summary="Answer on the spot")
def answer_on_spot(request, opinion_id: int, payload: AnswerIn):
    services.opinion_answer_on_spot(
        actor=request.user, opinion_id=opinion_id, answer=payload.answer, version=payload.version
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/assign", **STEP, summary="Assign to handling units")
def assign(request, opinion_id: int, payload: AssignIn):
    """To one or more units of the opinion's level in its region (GET …/units), with a reply deadline
    in working days by default."""
    found = HandlingUnit.objects.in_bulk(list(dict.fromkeys(payload.unit_ids)))
    unknown = [pk for pk in payload.unit_ids if pk not in found]
    if unknown:
        raise ValidationFailed(
            _("Unknown handling units: %(ids)s") % {"ids": ", ".join(map(str, unknown))}, field="unit_ids"
        )
    services.opinion_assign(
        actor=request.user,
        opinion_id=opinion_id,
        units=[found[pk] for pk in dict.fromkeys(payload.unit_ids)],
        deadline=payload.deadline,
        instructions=payload.instructions,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/escalate", **STEP, summary="Escalate to the upper congress")
def escalate(request, opinion_id: int, payload: CommentIn):
    services.opinion_escalate(
        actor=request.user, opinion_id=opinion_id, comment=payload.comment, version=payload.version
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/redirect", **STEP, summary="Redirect (petition office, court, other)")
def redirect(request, opinion_id: int, payload: RedirectIn):
    services.opinion_redirect(
        actor=request.user,
        opinion_id=opinion_id,
        target=payload.target,
        comment=payload.comment,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/merge", **STEP, summary="Merge into an earlier opinion")
def merge(request, opinion_id: int, payload: MergeIn):
    services.opinion_merge(
        actor=request.user, opinion_id=opinion_id, into=payload.into, comment=payload.comment, version=payload.version
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/withdraw-assignment", **STEP, summary="Withdraw an assignment")
def withdraw_assignment(request, opinion_id: int, payload: WithdrawIn):
    services.assignment_withdraw(
        actor=request.user,
        opinion_id=opinion_id,
        assignment_id=payload.assignment_id,
        comment=payload.comment,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post(
    "/{int:opinion_id}/extensions/{int:extension_id}/decide", **STEP, summary="Decide on a unit's request for more time"
)
def decide_extension(request, opinion_id: int, extension_id: int, payload: DecideIn):
    services.extension_decide(
        actor=request.user,
        opinion_id=opinion_id,
        extension_id=extension_id,
        approve=payload.approve,
        note=payload.note,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/feed-back", **STEP, summary="Feed the answer back to the citizen")
def feed_back(request, opinion_id: int, payload: AnswerIn):
    """The citizen is told by the channel they chose and sees the answer on the tracking page (so do
    the senders of opinions merged into this one)."""
    services.opinion_feed_back(
        actor=request.user, opinion_id=opinion_id, answer=payload.answer, version=payload.version
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/return-visit", **STEP, summary="Record the return visit")
def return_visit(request, opinion_id: int, payload: ReturnVisitIn):
    services.opinion_return_visit(
        actor=request.user,
        opinion_id=opinion_id,
        satisfaction=payload.satisfaction,
        method=payload.method,
        comment=payload.comment,
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/close", **STEP, summary="Close")
def close(request, opinion_id: int, payload: CommentIn):
    services.opinion_close(actor=request.user, opinion_id=opinion_id, comment=payload.comment, version=payload.version)
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/publish", **STEP, summary="Publish the result")
def publish(request, opinion_id: int, payload: PublishIn):
    """Without title, text or answer, the redaction preview's is published; whatever is sent, personal
    data found again is masked once more."""
    preview = services.publication_preview(selectors.opinion_get_for(user=request.user, pk=opinion_id))
    services.opinion_publish(
        actor=request.user,
        opinion_id=opinion_id,
        title=payload.title if payload.title is not None else preview["title"],
        text=payload.text if payload.text is not None else preview["text"],
        answer=payload.answer if payload.answer is not None else preview["answer"],
        version=payload.version,
    )
    return _opinion(request, opinion_id)


@router.post("/{int:opinion_id}/unpublish", **STEP, summary="Withdraw the publication")
def unpublish(request, opinion_id: int, payload: CommentIn):
    services.opinion_unpublish(
        actor=request.user, opinion_id=opinion_id, comment=payload.comment, version=payload.version
    )
    return _opinion(request, opinion_id)


# --- handling units ---------------------------------------------------------------------------------

UNIT_STEP = {"auth": staff_auth, "response": {200: UnitAssignmentOut, codes_4xx: ErrorOut}, "tags": UNIT}


@router.get(
    "/unit/assignments",
    auth=staff_auth,
    response={200: UnitAssignmentPage, codes_4xx: ErrorOut},
    tags=UNIT,
    summary="Your unit's assignments",
)
def unit_assignments(request, query: Query[UnitQueueQuery]):
    """Open ones by deadline by default; 403 for a user who is no handling unit's staff."""
    _unit(request)
    rows = selectors.unit_queue_for(user=request.user, state=query.state, q=query.q)

    def build(a):
        return {
            "id": a.pk,
            "status": a.status,
            "status_label": str(a.get_status_display()),
            "deadline": a.deadline,
            "overdue": _overdue(a.status in ("pending", "accepted"), a.deadline),
            "extension_pending": a.extension_pending,
            "unit": _ref(a.unit),
            "opinion": _brief(a.opinion),
        }

    return _page(rows, query, build)


@router.get("/assignments/{int:assignment_id}", **UNIT_STEP, summary="One of your unit's assignments")
def unit_assignment(request, assignment_id: int):
    _unit(request)
    return _unit_assignment(request, assignment_id)


@router.post("/assignments/{int:assignment_id}/accept", **UNIT_STEP, summary="Accept the assignment")
def unit_accept(request, assignment_id: int, payload: VersionIn):
    a = _unit_assignment_id(request, assignment_id)
    services.assignment_accept(actor=request.user, opinion_id=a.opinion_id, assignment_id=a.pk, version=payload.version)
    return _unit_assignment(request, a.pk)


@router.post("/assignments/{int:assignment_id}/return", **UNIT_STEP, summary="Send it back (wrong unit)")
def unit_return(request, assignment_id: int, payload: ReturnIn):
    a = _unit_assignment_id(request, assignment_id)
    services.assignment_return(
        actor=request.user, opinion_id=a.opinion_id, assignment_id=a.pk, reason=payload.reason, version=payload.version
    )
    return _unit_assignment(request, a.pk)


@router.post("/assignments/{int:assignment_id}/contacts", **UNIT_STEP, summary="Record a contact with the citizen")
def unit_contact(request, assignment_id: int, payload: ContactIn):
    a = _unit_assignment_id(request, assignment_id)
    services.assignment_contact_add(
        actor=request.user,
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        kind=payload.kind,
        date=payload.date,
        note=payload.note,
        version=payload.version,
    )
    return _unit_assignment(request, a.pk)


@router.post(
    "/assignments/{int:assignment_id}/reply",
    **UNIT_STEP,
    summary="Reply (JSON, or multipart with attachments)",
    openapi_extra=_json_or_multipart(ReplyIn),
)
def unit_reply(request, assignment_id: int):
    """The unit's answer; as a multipart form, files under `attachments` (JPEG, PNG or PDF, checked by
    content). The opinion is replied when every unit has replied."""
    a = _unit_assignment_id(request, assignment_id)
    payload, uploads = _body(request, ReplyIn)
    services.assignment_reply(
        actor=request.user,
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        text=payload.text,
        attachments=uploads,
        version=payload.version,
    )
    return _unit_assignment(request, a.pk)


@router.post("/assignments/{int:assignment_id}/extension", **UNIT_STEP, summary="Ask for more time")
def unit_extension(request, assignment_id: int, payload: ExtensionIn):
    a = _unit_assignment_id(request, assignment_id)
    services.extension_request(
        actor=request.user,
        opinion_id=a.opinion_id,
        assignment_id=a.pk,
        deadline=payload.deadline,
        reason=payload.reason,
        version=payload.version,
    )
    return _unit_assignment(request, a.pk)
