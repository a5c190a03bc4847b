"""The suggestions and motions part of the JSON API (`/api/proposals/…`): the same services and
selectors as the workspace, so every rule (scope, the workflow tables, capacities, versions,
deadlines, the audit trail, notifications) holds here too. Every call needs a token or a verified
browser session (liaison.api.auth).

- Deputies: draft suggestions and motions, ask deputies to co-sign, sign or decline, submit, rate
  replies, agree to publication.
- The liaison office: register or refuse, assign (交办), change the units, decide on more time,
  record the review committee's opinion and the presidium's decision, close, publish; the overdue
  board. The leadership: key supervision (重点督办).
- Handling units: their queue and, per assignment, accept, send back, contacts with the deputies, a
  co-unit's opinion, more time, the reply with its class and document, commitments fulfilled.

Errors are the API's one shape `{code, message[, field, errors, extra]}` in the caller's language
(liaison.api.api): 400 invalid input (a named code such as `extension_too_long`,
`threshold_not_met`, `reply_class_missing`, with the `field` at fault), 422 a request that does not
fit the schema, 401 no token, 403 `not_your_step` / `not_a_signer` / `permission_denied`, 404 missing
or outside the caller's scope (the same answer), 409 `proposal_changed` (someone acted since the
`version` you sent) or `transition_not_allowed` (not possible in the current state) — both with the
item's current `status`, `status_label` and `version` in `extra`."""

import contextlib
import datetime
import json
import re
from typing import Annotated

import pydantic
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import codes_4xx

from liaison.accounts.models import User
from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut, PageOut, PageQuery, Ref
from liaison.core import files
from liaison.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from liaison.core.paging import capped_count
from liaison.regions.models import Region

from . import handling, motions, rules, selectors, services
from .models import Assignment, Commitment, Event, Extension, Motion, Reply, Suggestion
from .workflow import LIVE_ASSIGNMENT, allowed, event_label

router = Router(tags=["proposals"])
SUGGESTIONS, MOTIONS = ["proposals · suggestions"], ["proposals · motions"]
UNITS, OFFICE = ["proposals · handling units"], ["proposals · office"]
MAX_ID = 2**63 - 1
# An id in a query or a body: beyond any row's is a 422, never a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{16,64}")
DOCUMENT_TYPES = {".pdf": "application/pdf", ".docx": files.DOCX, ".doc": files.DOC}


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = gettext_lazy("This idempotency key was already used for a different draft.")


# --- schemas: shared ---------------------------------------------------------------------------------


class NumberRef(Schema):
    id: int
    number: int


class VersionIn(Schema):
    version: int | None = Field(
        None, description="the item's `version` you saw: 409 proposal_changed when someone acted since"
    )


class CommentIn(VersionIn):
    comment: str = Field("", max_length=2000)


class ReasonIn(VersionIn):
    reason: str = Field(max_length=2000, description="the reason (required)")


class PersonsIn(VersionIn):
    person_ids: list[Id] = Field(description="deputies (persons) of the same congress, serving in the item's term")


class AssignIn(VersionIn):
    organ_id: Id = Field(description="the assigning organ: standing committee, its working body or the presidium")
    lead_unit_id: Id = Field(description="one handling unit of the congress's region (GET …/choices)")
    co_unit_ids: list[Id] = Field(default_factory=list)
    assigned_on: datetime.date | None = Field(
        None, description="the day of assignment: today by default, at most a month ago"
    )
    instructions: str = Field("", max_length=2000)


class EventOut(Schema):
    id: int
    at: datetime.datetime
    item: str = Field(description="suggestion or motion (a converted suggestion shows its motion's steps first)")
    actor: str
    action: str
    label: str = Field(description="the step in the user's language")
    from_status: str
    to_status: str
    comment: str
    data: dict


class CommitmentOut(Schema):
    id: int
    text: str
    due: datetime.date | None
    fulfilled_at: datetime.datetime | None
    fulfilled_note: str


class DocumentOut(Schema):
    name: str
    url: str


class ReplyOut(Schema):
    id: int
    kind: str = Field(description="answer (the lead unit's reply) or co_opinion")
    answer_class: str
    answer_class_label: str
    text: str
    document: DocumentOut | None
    author: str
    created_at: datetime.datetime
    commitments: list[CommitmentOut]


class ContactOut(Schema):
    id: int
    kind: str
    kind_label: str
    date: datetime.date
    note: str


class ExtensionOut(Schema):
    id: int
    requested_deadline: datetime.date
    reason: str
    status: str
    decided_at: datetime.datetime | None
    explanation: str


class AssignmentOut(Schema):
    id: int
    unit: Ref
    role: str
    role_label: str
    status: str
    status_label: str
    round: int
    assigned_on: datetime.date
    deadline: datetime.date
    overdue: bool
    accepted_at: datetime.datetime | None
    replied_at: datetime.datetime | None
    returned_reason: str
    replies: list[ReplyOut]
    contacts: list[ContactOut]
    extensions: list[ExtensionOut]


class SignerOut(Schema):
    id: int
    person: Ref
    is_lead: bool
    status: str
    status_label: str
    responded_at: datetime.datetime | None


class CandidateOut(Schema):
    person: Ref
    delegation: Ref | None


class ChoicesOut(Schema):
    units: list[Ref] = Field(description="the active handling units of the congress's region")
    assigning_organs: list[Ref]
    supervising_organs: list[Ref] = Field(description="special committees (key supervision)")


# --- schemas: suggestions ----------------------------------------------------------------------------


class SuggestionItem(Schema):
    id: int
    label: str
    number: int | None
    version: int
    status: str
    status_label: str
    timing: str
    title: str
    congress: Ref
    term: NumberRef
    session: NumberRef | None
    lead: Ref
    category: Ref | None
    lead_unit: Ref | None = Field(description="the lead unit of the current round")
    round: int
    deadline: datetime.date | None
    overdue: bool
    answer_class: str
    key_supervision: bool
    published: bool
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None


class SuggestionPage(PageOut):
    items: list[SuggestionItem]


class EvaluationOut(Schema):
    person: Ref
    round: int
    satisfaction: str
    satisfaction_label: str
    comment: str
    created_at: datetime.datetime


class SuggestionOut(SuggestionItem):
    text: str
    timing_label: str
    opinion_ids: list[int] = Field(description="the citizens' opinions it was taken up from")
    from_motion: Ref | None = Field(description="the motion it was converted from (`name`: its label)")
    registered_at: datetime.datetime | None
    refusal: str
    refusal_label: str
    refusal_note: str
    assigning_organ: Ref | None
    assigned_on: datetime.date | None
    deadline_cap: datetime.date | None = Field(description="the latest deadline an extension may reach")
    replied_at: datetime.datetime | None
    supervising_organ: Ref | None
    disclosure_agreed: bool
    published_at: datetime.datetime | None
    signers: list[SignerOut]
    assignments: list[AssignmentOut]
    evaluations: list[EvaluationOut]
    timeline: list[EventOut]
    actions: list[str] = Field(description="the steps you may take now (workflow table)")


class SuggestionQuery(PageQuery):
    status: str = Field("open", description="open, all, or one status")
    timing: str = Field("", description="session or interim")
    congress: Id | None = None
    term: Id | None = None
    session: Id | None = None
    region: Id | None = Field(None, description="congresses of this region and below")
    unit: Id | None = Field(None, description="with an assignment of this handling unit")
    key_supervision: bool = False
    overdue: bool = False
    mine: bool = Field(False, description="a deputy's own: those they are on the list of signers of")
    q: str = Field("", max_length=100, description="words of the title, or a registration number")
    sort: str = Field("newest", description="newest, oldest, number or deadline")


class SuggestionCreateIn(Schema):
    congress_id: Id
    title: str = Field(max_length=200)
    text: str = Field(max_length=20000)
    timing: str = Field("interim", description="session or interim")
    session_id: Id | None = Field(None, description="with timing session")
    category_id: Id | None = None
    opinion_ids: list[Id] = Field(default_factory=list, description="opinions you received, taken up here")
    idempotency_key: str = Field(
        "",
        max_length=64,
        description="16–64 letters, digits or _.:- (a UUID): a retried request with the same key makes no second "
        "draft and answers the first (200). The `Idempotency-Key` header does the same.",
    )


class SuggestionUpdateIn(VersionIn):
    """Only the fields sent change; the others keep their values."""

    title: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=20000)
    timing: str | None = None
    session_id: Id | None = None
    category_id: Id | None = None
    opinion_ids: list[Id] | None = None


class RefuseIn(VersionIn):
    reason: str = Field(
        description="003 §21: judicial_or_letter, academic_or_promotion, complaint, no_content, personal or other"
    )
    explanation: str = Field(max_length=2000, description="to the deputies (required)")


class ReassignIn(VersionIn):
    lead_unit_id: Id
    co_unit_ids: list[Id] = Field(default_factory=list)
    comment: str = Field(max_length=2000, description="the reason (required)")


class KeySupervisionIn(VersionIn):
    on: bool = True
    organ_id: Id | None = Field(None, description="the special committee that follows it (with on)")
    comment: str = Field("", max_length=2000)


class RateIn(VersionIn):
    satisfaction: str = Field(description="satisfied, basically or dissatisfied")
    comment: str = Field("", max_length=2000)


class DisclosureIn(VersionIn):
    agreed: bool = True


class DecideIn(VersionIn):
    approve: bool
    explanation: str = Field(max_length=2000, description="to the deputies when approved, to the unit when refused")


# --- schemas: motions --------------------------------------------------------------------------------


class MotionItem(Schema):
    id: int
    label: str
    number: int | None
    version: int
    status: str
    status_label: str
    proposer: str
    title: str = Field(description="the cause (案由)")
    congress: Ref
    term: NumberRef
    session: NumberRef
    lead: Ref | None
    delegation: Ref | None
    signatures: int
    threshold: int
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None


class MotionPage(PageOut):
    items: list[MotionItem]


class MotionOut(MotionItem):
    proposer_label: str
    grounds: str = Field(description="案据")
    plan: str = Field(description="方案")
    deadline: datetime.datetime = Field(description="when the session stops taking motions")
    review_opinion: str
    outside_powers: str
    outside_powers_label: str
    reviewed_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    decision_note: str
    withdrawal_reason: str
    suggestion_id: int | None = Field(description="the suggestion it was converted to")
    signers: list[SignerOut]
    assignments: list[AssignmentOut]
    timeline: list[EventOut]
    actions: list[str]


class MotionQuery(PageQuery):
    status: str = Field("open", description="open, all, or one status")
    congress: Id | None = None
    term: Id | None = None
    session: Id | None = None
    region: Id | None = None
    unit: Id | None = None
    mine: bool = False
    q: str = Field("", max_length=100)
    sort: str = Field("newest", description="newest, oldest or number")


class MotionCreateIn(Schema):
    congress_id: Id
    session_id: Id
    title: str = Field(max_length=200, description="the cause (案由)")
    grounds: str = Field(max_length=20000, description="the grounds (案据)")
    plan: str = Field(max_length=20000, description="the plan (方案)")
    proposer: str = Field("deputies", description="deputies, delegation or presidium (the last two: the office)")
    delegation_id: Id | None = None
    idempotency_key: str = Field("", max_length=64, description="as for suggestions")


class MotionUpdateIn(VersionIn):
    title: str | None = Field(None, max_length=200)
    grounds: str | None = Field(None, max_length=20000)
    plan: str | None = Field(None, max_length=20000)


class WithdrawIn(VersionIn):
    reason: str = Field("", max_length=2000, description="required once submitted")
    presidium_consent: bool = Field(False, description="required once submitted (003 §18)")


class ReviewIn(VersionIn):
    opinion: str = Field(max_length=20000, description="the review committee's opinion")
    outside_powers: str = Field(
        "",
        description="003 §15, when outside the congress's powers: upper_congress, upper_government, local_bodies, "
        "judicial, private or other",
    )


class NoteIn(VersionIn):
    note: str = Field("", max_length=20000)


class ReportIn(VersionIn):
    report: str = Field(max_length=20000, description="the gist of the handling report (003 §26)")


class ConvertOut(Schema):
    motion: MotionOut
    suggestion_id: int


# --- schemas: handling units -------------------------------------------------------------------------


class ItemBrief(Schema):
    kind: str = Field(description="suggestion or motion")
    id: int
    label: str
    version: int = Field(description="send it as `version` with the unit's steps")
    status: str
    status_label: str
    title: str
    congress: Ref
    lead: Ref | None


class QueueItem(Schema):
    id: int
    unit: Ref
    role: str
    status: str
    status_label: str
    round: int
    assigned_on: datetime.date
    deadline: datetime.date
    overdue: bool
    days_overdue: int
    extension_pending: bool
    item: ItemBrief


class QueuePage(PageOut):
    items: list[QueueItem]


class UnitQueueQuery(PageQuery):
    state: str = Field("open", description="open, overdue, all, or one status: pending, accepted, replied, …")
    q: str = Field("", max_length=100)


class OverdueQuery(PageQuery):
    kind: str = Field("", description="suggestion or motion; both when empty")


class ItemText(ItemBrief):
    text: str = Field(description="a suggestion's text; a motion's grounds and plan")


class CoOpinionOut(Schema):
    unit: Ref
    text: str
    document: DocumentOut | None
    created_at: datetime.datetime


class UnitAssignmentOut(AssignmentOut):
    item: ItemText
    co_opinions: list[CoOpinionOut] = Field(description="for the lead unit: what the co-units sent")
    actions: list[str] = Field(description="the unit's steps possible now")


class ContactIn(VersionIn):
    kind: str = Field(description="meeting (座谈), research (调研), phone (电话), letter (信函) or visit")
    date: datetime.date
    note: str = Field(max_length=2000)


class ExtensionIn(VersionIn):
    deadline: datetime.date = Field(description="the new deadline asked for: at most six months after assignment")
    reason: str = Field(max_length=2000)


class CommitmentIn(Schema):
    text: str = Field(max_length=2000)
    due: datetime.date | None = None


class ReplyIn(VersionIn):
    answer_class: str = Field("", description="A (solved or adopted), B (being solved: commitments) or C")
    text: str = Field(max_length=20000)
    commitments: list[CommitmentIn] = Field(default_factory=list, description="class B: at least one")


class CoOpinionIn(VersionIn):
    text: str = Field(max_length=20000)


class FulfilIn(VersionIn):
    note: str = Field(max_length=2000, description="how it was fulfilled")


class CommitmentItem(CommitmentOut):
    unit: Ref
    item: ItemBrief
    assignment_id: int


class CommitmentPage(PageOut):
    items: list[CommitmentItem]


# --- helpers: paging, refs, errors -------------------------------------------------------------------


def _ref(obj, name: str | None = None) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": name if name is not None else obj.name}


def _num(obj) -> dict | None:
    return {"id": obj.pk, "number": obj.number} if obj is not None else None


def _page(qs, query: PageQuery, build, *, prepare=None) -> dict:
    count, capped = capped_count(qs)
    start = (query.page - 1) * query.page_size
    rows = list(qs[start : start + query.page_size + 1])
    has_next = len(rows) > query.page_size
    rows = rows[: query.page_size]
    if prepare is not None:
        prepare(rows)
    return {
        "count": count,
        "count_capped": capped,
        "page": query.page,
        "page_size": query.page_size,
        "has_next": has_next,
        "items": [build(row) for row in rows],
    }


def _today() -> datetime.date:
    return services.today()


def _overdue(live: bool, deadline) -> bool:
    return bool(live and deadline and deadline < _today())


def _model_of(kind: str):
    return Motion if kind == "motion" else Suggestion


def _status_label(model, status: str) -> str:
    return str(model.Status(status).label) if status in model.Status.values else status


def _conflict_extra(user, model, pk, *, assignment_id=None) -> dict:
    """The item's current state for a 409: only for a caller who may see the item."""
    row = (
        model.objects.filter(rules.visible_q(user, model), pk=pk).values("status", "version").first()
        if pk is not None
        else None
    )
    if row is None:
        return {}
    extra = {"status": row["status"], "status_label": _status_label(model, row["status"]), "version": row["version"]}
    if assignment_id is not None:
        status = Assignment.objects.filter(pk=assignment_id).values_list("status", flat=True).first()
        if status:
            extra["assignment_status"] = status
    return extra


@contextlib.contextmanager
def _step(request, model, pk, *, assignment_id=None):
    """Run a workflow step; a 409 says the item's current state and version in `extra`."""
    try:
        yield
    except Conflict as exc:
        exc.extra = {**_conflict_extra(request.user, model, pk, assignment_id=assignment_id), **exc.extra}
        raise


def _item_of_assignment(assignment_id: int) -> tuple[type, int | None]:
    row = Assignment.objects.filter(pk=assignment_id).values("suggestion_id", "motion_id").first()
    if row is None:
        raise NotFound()
    return (Suggestion, row["suggestion_id"]) if row["suggestion_id"] else (Motion, row["motion_id"])


def _office_or_deputy(request) -> None:
    if not rules.can(request.user, "use"):
        raise PermissionDenied()


def _unit(request) -> None:
    if not rules.can(request.user, "unit_queue"):
        raise PermissionDenied()


def _region_path(region_id: int | None) -> str:
    if region_id is None:
        return ""
    path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
    if path is None:
        raise ValidationFailed(_("Unknown region."), field="region")
    return path


def _status_filter(value: str, model) -> str:
    if value not in ("open", "all", *model.Status.values):
        raise ValidationFailed(
            _("Unknown status “%(status)s”: open, all or one of %(values)s.")
            % {"status": value, "values": ", ".join(model.Status.values)},
            field="status",
        )
    return value


def _choice(value: str, allowed_values, field: str) -> str:
    if value and value not in allowed_values:
        raise ValidationFailed(
            _("“%(value)s” is not one of: %(values)s.") % {"value": value, "values": ", ".join(allowed_values)},
            field=field,
        )
    return value


def idempotency_key_of(request, field_value: str = "") -> str:
    """The request's idempotency key: the `Idempotency-Key` header or the body's field (the same when
    both are given); "" without one."""
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


def _created_with_key(user, kind: str, key: str):
    """The item this user drafted with this idempotency key, if any (the key sits on its creation
    entry of the timeline)."""
    return (
        Event.objects.filter(actor=user, action="create", data__idempotency_key=key, **{f"{kind}__isnull": False})
        .values_list(f"{kind}_id", flat=True)
        .first()
    )


def _create_once(request, kind: str, key: str, create, same) -> tuple[int, bool]:
    """Draft an item once per idempotency key: (item id, replayed). Creations of one user are taken
    one at a time (their account row is locked), so two retries at once make one draft."""
    if not key:
        return create().pk, False
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=request.user.pk).values_list("pk", flat=True).first()
        found = _created_with_key(request.user, kind, key)
        if found is not None:
            if not same(_model_of(kind).objects.get(pk=found)):
                raise IdempotencyKeyReused(field="idempotency_key")
            return found, True
        item = create()
        event = Event.objects.filter(**{kind: item}, action="create").order_by("id").first()
        event.data = {**(event.data or {}), "idempotency_key": key}
        event.save(update_fields=["data"])
        return item.pk, False


# --- helpers: bodies with a document -----------------------------------------------------------------


def _multipart_value(key: str, values: list[str]):
    if key != "commitments":
        return values[-1]
    found = []
    for value in values:
        value = value.strip()
        if value.startswith("[") or value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                raise ValidationFailed(_("The commitments are not valid JSON."), field="commitments") from None
            found.extend(parsed if isinstance(parsed, list) else [parsed])
        elif value:
            found.append({"text": value})
    return found


def _body(request, schema: type[Schema]):
    """A JSON body, or a multipart form with the file under `document` (the same fields; commitments
    as repeated `commitments` fields or one JSON array)."""
    upload = None
    if request.content_type == "multipart/form-data":
        data = {
            key: _multipart_value(key, request.POST.getlist(key))
            for key in request.POST
            if request.POST.getlist(key) != [""]
        }
        upload = request.FILES.get("document")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationFailed(_("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise ValidationFailed(_("The request body must be a JSON object."))
    try:
        return schema.model_validate(data), upload
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(exc.errors(include_url=False, include_context=False)) from None


def _json_or_multipart(schema: type[Schema]) -> dict:
    json_schema = schema.model_json_schema()
    form_schema = {
        **json_schema,
        "properties": {
            **json_schema.get("properties", {}),
            "document": {
                "type": "string",
                "format": "binary",
                "description": "the document: PDF or Word (.docx, .doc), judged by its content",
            },
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": json_schema}, "multipart/form-data": {"schema": form_schema}},
        }
    }


# --- builders ----------------------------------------------------------------------------------------


def _event(e: Event) -> dict:
    data = {k: v for k, v in (e.data or {}).items() if k != "idempotency_key"}
    return {
        "id": e.pk,
        "at": e.at,
        "item": "motion" if e.motion_id else "suggestion",
        "actor": e.actor_label,
        "action": e.action,
        "label": event_label(e),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "comment": e.comment,
        "data": data,
    }


def _document(reply: Reply) -> dict | None:
    if not reply.document:
        return None
    return {"name": reply.document_name or reply.document.name.rsplit("/", 1)[-1], "url": _document_url(reply)}


def _document_url(reply: Reply) -> str:
    return f"/api/proposals/replies/{reply.pk}/document"


def _reply(r: Reply) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "answer_class": r.answer_class,
        "answer_class_label": str(r.get_answer_class_display()) if r.answer_class else "",
        "text": r.text,
        "document": _document(r),
        "author": getattr(r.author, "name", "") if r.author_id else "",
        "created_at": r.created_at,
        "commitments": [
            {
                "id": c.pk,
                "text": c.text,
                "due": c.due,
                "fulfilled_at": c.fulfilled_at,
                "fulfilled_note": c.fulfilled_note,
            }
            for c in r.commitments.all()
        ],
    }


def _assignment(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "unit": _ref(a.unit),
        "role": a.role,
        "role_label": str(a.get_role_display()),
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "round": a.round,
        "assigned_on": a.assigned_on,
        "deadline": a.deadline,
        "overdue": _overdue(a.status in LIVE_ASSIGNMENT, a.deadline),
        "accepted_at": a.accepted_at,
        "replied_at": a.replied_at,
        "returned_reason": a.returned_reason,
        "replies": [_reply(r) for r in a.replies.all()],
        "contacts": [
            {"id": c.pk, "kind": c.kind, "kind_label": str(c.get_kind_display()), "date": c.date, "note": c.note}
            for c in a.contacts.all()
        ],
        "extensions": [
            {
                "id": x.pk,
                "requested_deadline": x.requested_deadline,
                "reason": x.reason,
                "status": x.status,
                "decided_at": x.decided_at,
                "explanation": x.explanation,
            }
            for x in a.extensions.all()
        ],
    }


def _signer(s) -> dict:
    return {
        "id": s.pk,
        "person": _ref(s.person),
        "is_lead": s.is_lead,
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "responded_at": s.responded_at,
    }


def _current_lead_unit(s: Suggestion):
    for a in s.assignments.all():
        if a.role == Assignment.Role.LEAD and a.round == s.round and a.status not in ("withdrawn", "returned"):
            return a.unit
    return None


def _suggestion_item(s: Suggestion) -> dict:
    live = s.status in (Suggestion.Status.ASSIGNED, Suggestion.Status.RE_HANDLING)
    return {
        "id": s.pk,
        "label": s.label,
        "number": s.number,
        "version": s.version,
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "timing": s.timing,
        "title": s.title,
        "congress": _ref(s.congress),
        "term": _num(s.term),
        "session": _num(s.session),
        "lead": _ref(s.lead),
        "category": _ref(s.category),
        "lead_unit": _ref(_current_lead_unit(s)),
        "round": s.round,
        "deadline": s.deadline,
        "overdue": _overdue(live, s.deadline),
        "answer_class": s.answer_class,
        "key_supervision": s.key_supervision,
        "published": bool(s.published_at),
        "created_at": s.created_at,
        "submitted_at": s.submitted_at,
    }


def _suggestion(request, pk: int) -> dict:
    """One suggestion as the caller sees it, with what the caller may do now."""
    s = selectors.suggestion_get_for(user=request.user, pk=pk)
    data = _suggestion_item(s)
    data.update(
        text=s.text,
        timing_label=str(s.get_timing_display()),
        opinion_ids=[o.pk for o in s.opinions.all()],
        from_motion=_ref(s.from_motion, s.from_motion.label) if s.from_motion_id else None,
        registered_at=s.registered_at,
        refusal=s.refusal,
        refusal_label=str(s.get_refusal_display()) if s.refusal else "",
        refusal_note=s.refusal_note,
        assigning_organ=_ref(s.assigning_organ),
        assigned_on=s.assigned_on,
        deadline_cap=s.deadline_cap,
        replied_at=s.replied_at,
        supervising_organ=_ref(s.supervising_organ),
        disclosure_agreed=s.disclosure_agreed,
        published_at=s.published_at,
        signers=[_signer(x) for x in s.signers.all()],
        assignments=[_assignment(a) for a in s.assignments.all()],
        evaluations=[
            {
                "person": _ref(e.person),
                "round": e.round,
                "satisfaction": e.satisfaction,
                "satisfaction_label": str(e.get_satisfaction_display()),
                "comment": e.comment,
                "created_at": e.created_at,
            }
            for e in s.evaluations.all()
        ],
        timeline=[_event(e) for e in selectors.timeline_for(s)],
        actions=_suggestion_actions(request.user, s),
    )
    return data


def _suggestion_actions(user, s: Suggestion) -> list[str]:
    """The workflow's steps for the user, less those its service would refuse at once: a rating the
    user already gave in this round, publishing what is published or not agreed, withdrawing what is
    not published."""
    actions = selectors.actions_for(user, s)
    if "rate" in actions:
        persons = rules.person_ids_of(user)
        if any(e.person_id in persons and e.round == s.round for e in s.evaluations.all()):
            actions.remove("rate")
    if "publish" in actions and (s.published_at or not s.disclosure_agreed):
        actions.remove("publish")
    if "unpublish" in actions and not s.published_at:
        actions.remove("unpublish")
    return actions


def _motion_item(m: Motion) -> dict:
    return {
        "id": m.pk,
        "label": m.label,
        "number": m.number,
        "version": m.version,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "proposer": m.proposer,
        "title": m.title,
        "congress": _ref(m.congress),
        "term": _num(m.term),
        "session": _num(m.session),
        "lead": _ref(m.lead),
        "delegation": _ref(m.delegation),
        "signatures": m.signatures if hasattr(m, "signatures") and m.signatures is not None else 0,
        "threshold": m.congress.motion_threshold,
        "created_at": m.created_at,
        "submitted_at": m.submitted_at,
    }


def _motion(request, pk: int) -> dict:
    m = selectors.motion_get_for(user=request.user, pk=pk)
    m.signatures = selectors.signature_count(m)
    data = _motion_item(m)
    data.update(
        proposer_label=str(m.get_proposer_display()),
        grounds=m.grounds,
        plan=m.plan,
        deadline=motions.motion_deadline(m.session),
        review_opinion=m.review_opinion,
        outside_powers=m.outside_powers,
        outside_powers_label=str(m.get_outside_powers_display()) if m.outside_powers else "",
        reviewed_at=m.reviewed_at,
        decided_at=m.decided_at,
        decision_note=m.decision_note,
        withdrawal_reason=m.withdrawal_reason,
        suggestion_id=Suggestion.objects.filter(from_motion=m).values_list("pk", flat=True).first(),
        signers=[_signer(x) for x in m.signers.all()],
        assignments=[_assignment(a) for a in m.assignments.all()],
        timeline=[_event(e) for e in selectors.timeline_for(m)],
        actions=selectors.actions_for(request.user, m),
    )
    return data


def _brief(a: Assignment) -> dict:
    item = a.suggestion if a.suggestion_id else a.motion
    model = Suggestion if a.suggestion_id else Motion
    return {
        "kind": "suggestion" if a.suggestion_id else "motion",
        "id": item.pk,
        "label": item.label,
        "version": item.version,
        "status": item.status,
        "status_label": _status_label(model, item.status),
        "title": item.title,
        "congress": _ref(item.congress),
        "lead": _ref(item.lead),
    }


def _queue_item(a: Assignment) -> dict:
    live = a.status in LIVE_ASSIGNMENT
    late = (_today() - a.deadline).days if live else 0
    return {
        "id": a.pk,
        "unit": _ref(a.unit),
        "role": a.role,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "round": a.round,
        "assigned_on": a.assigned_on,
        "deadline": a.deadline,
        "overdue": late > 0,
        "days_overdue": max(late, 0),
        "extension_pending": bool(getattr(a, "extension_pending", False)),
        "item": _brief(a),
    }


UNIT_ACTIONS = {
    Assignment.Role.LEAD: ("unit_accept", "unit_return", "unit_contact", "request_extension", "reply"),
    Assignment.Role.CO: ("unit_accept", "unit_return", "unit_contact", "co_opinion"),
}


def _unit_actions(user, item, a: Assignment) -> list[str]:
    caps = rules.capacities(user, item)
    found = []
    if a.status in LIVE_ASSIGNMENT and a.round == getattr(item, "round", 1):
        for name in UNIT_ACTIONS[a.role]:
            if name == "unit_accept" and a.status != Assignment.Status.PENDING:
                continue
            if allowed(item, name, caps):
                found.append(name)
    has_open = any(c.fulfilled_at is None for r in a.replies.all() for c in r.commitments.all())
    if has_open and allowed(item, "fulfil", caps):
        found.append("fulfil")
    return found


def _unit_assignment(request, pk: int) -> dict:
    a = selectors.assignment_get_for(user=request.user, pk=pk)
    item = a.suggestion if a.suggestion_id else a.motion
    data = _assignment(a)
    brief = _brief(a)
    if a.suggestion_id:
        text = item.text
    else:
        text = f"{_('Grounds (案据)')}：\n{item.grounds}\n\n{_('Plan (方案)')}：\n{item.plan}"
    co = selectors.co_opinions_for(assignment=a) if a.role == Assignment.Role.LEAD else []
    data.update(
        item={**brief, "text": text},
        co_opinions=[
            {"unit": _ref(r.assignment.unit), "text": r.text, "document": _document(r), "created_at": r.created_at}
            for r in co
        ],
        actions=_unit_actions(request.user, item, a),
    )
    return data


def _unit_assignment_id(request, pk: int) -> Assignment:
    """The caller's unit's assignment: 403 for a user who is no unit's staff, 404 for another unit's."""
    _unit(request)
    assignment = Assignment.objects.filter(pk=pk, unit_id__in=rules.unit_ids_of(request.user)).first()
    if assignment is None:
        raise NotFound()
    return assignment


def _prefetch_lead_units(rows: list[Suggestion]) -> None:
    """The assignments (with their units) of a page of suggestions, in one query."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(rows, "assignments__unit")


# --- suggestions: reads ------------------------------------------------------------------------------


@router.get(
    "/suggestions",
    auth=staff_auth,
    response={200: SuggestionPage, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Suggestions in your scope",
)
def suggestion_list(request, query: Query[SuggestionQuery]):
    """A liaison officer's or leader's region (submitted ones), a deputy's own (lead, signed, asked),
    a unit's assigned ones; filtered, sorted, paged, counted up to 5,000."""
    _office_or_deputy(request)
    filters = selectors.ListFilters(
        status=_status_filter(query.status, Suggestion),
        timing=_choice(query.timing, Suggestion.Timing.values, "timing"),
        congress_id=query.congress,
        term_id=query.term,
        session_id=query.session,
        region_path=_region_path(query.region),
        unit_id=query.unit,
        key_supervision=query.key_supervision,
        overdue=query.overdue,
        mine=query.mine,
        q=query.q,
        sort=_choice(query.sort, selectors.SORTS, "sort") or "newest",
    )
    rows = selectors.suggestion_list_for(user=request.user, filters=filters)
    return _page(rows, query, _suggestion_item, prepare=_prefetch_lead_units)


@router.get(
    "/suggestions/{int:suggestion_id}",
    auth=staff_auth,
    response={200: SuggestionOut, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="One suggestion",
)
def suggestion_detail(request, suggestion_id: int):
    """With its signers, assignments (replies, commitments, contacts, requests for more time),
    ratings, the full timeline, `version` and `actions` (the steps you may take now)."""
    return _suggestion(request, suggestion_id)


@router.get(
    "/suggestions/{int:suggestion_id}/timeline",
    auth=staff_auth,
    response={200: list[EventOut], codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="A suggestion's timeline",
)
def suggestion_timeline(request, suggestion_id: int):
    """Every step, oldest first: who, when, from which state to which, why (a suggestion converted
    from a motion shows the motion's steps first)."""
    return [
        _event(e) for e in selectors.timeline_for(selectors.suggestion_get_for(user=request.user, pk=suggestion_id))
    ]


def _candidates(item, q: str) -> list[dict]:
    return [
        {"person": _ref(m.person), "delegation": _ref(m.delegation)}
        for m in selectors.cosigner_candidates(item=item, q=q)
    ]


def _choices(congress) -> dict:
    return {
        "units": [_ref(u) for u in services.units_for(congress).order_by("name", "id")],
        "assigning_organs": [_ref(o) for o in services.assigning_organs(congress).order_by("kind", "name")],
        "supervising_organs": [_ref(o) for o in services.supervising_organs(congress).order_by("name")],
    }


@router.get(
    "/suggestions/{int:suggestion_id}/candidates",
    auth=staff_auth,
    response={200: list[CandidateOut], codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Deputies who may be asked to co-sign",
)
def suggestion_candidates(request, suggestion_id: int, q: str = ""):
    """Serving deputies of the same congress and term not yet on the list (at most 50; `q`: a name or
    its pinyin)."""
    return _candidates(selectors.suggestion_get_for(user=request.user, pk=suggestion_id), q[:50])


@router.get(
    "/suggestions/{int:suggestion_id}/choices",
    auth=staff_auth,
    response={200: ChoicesOut, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Units and organs for assignment and key supervision",
)
def suggestion_choices(request, suggestion_id: int):
    return _choices(selectors.suggestion_get_for(user=request.user, pk=suggestion_id).congress)


# --- suggestions: drafting ---------------------------------------------------------------------------


@router.post(
    "/suggestions",
    auth=staff_auth,
    response={200: SuggestionOut, 201: SuggestionOut, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Draft a suggestion",
)
def suggestion_create(request, payload: SuggestionCreateIn):
    """A deputy drafts a suggestion to a congress they serve in and leads it. 201 with the draft; 200
    when the idempotency key named a draft already made (the same key with another title: 409
    `idempotency_key_reused`)."""
    key = idempotency_key_of(request, payload.idempotency_key)

    def create():
        return services.suggestion_create_draft(
            actor=request.user,
            congress=payload.congress_id,
            title=payload.title,
            text=payload.text,
            timing=payload.timing,
            session=payload.session_id,
            category=payload.category_id,
            opinion_ids=payload.opinion_ids,
        )

    pk, replayed = _create_once(request, "suggestion", key, create, lambda s: s.title == payload.title.strip())
    return Status(200 if replayed else 201, _suggestion(request, pk))


@router.patch(
    "/suggestions/{int:suggestion_id}",
    auth=staff_auth,
    response={200: SuggestionOut, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Edit the draft",
)
def suggestion_edit(request, suggestion_id: int, payload: SuggestionUpdateIn):
    """The lead edits the draft; only the fields sent change. A changed title or text asks every
    co-signer who confirmed again."""
    current = selectors.suggestion_get_for(user=request.user, pk=suggestion_id)
    sent = payload.model_fields_set
    timing = payload.timing if payload.timing is not None else current.timing
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_update(
            actor=request.user,
            suggestion_id=suggestion_id,
            title=payload.title if payload.title is not None else current.title,
            text=payload.text if payload.text is not None else current.text,
            timing=timing,
            session=payload.session_id if "session_id" in sent else current.session_id,
            category=payload.category_id if "category_id" in sent else current.category_id,
            opinion_ids=payload.opinion_ids,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


@router.delete(
    "/suggestions/{int:suggestion_id}",
    auth=staff_auth,
    response={204: None, codes_4xx: ErrorOut},
    tags=SUGGESTIONS,
    summary="Discard the draft",
)
def suggestion_discard(request, suggestion_id: int, version: int | None = None):
    """The lead throws a draft away (never submitted; the audit trail keeps it)."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_discard(actor=request.user, suggestion_id=suggestion_id, version=version)
    return Status(204, None)


STEP = {"auth": staff_auth, "response": {200: SuggestionOut, codes_4xx: ErrorOut}, "tags": SUGGESTIONS}


@router.post("/suggestions/{int:suggestion_id}/signers", **STEP, summary="Ask deputies to co-sign")
def suggestion_invite(request, suggestion_id: int, payload: PersonsIn):
    """Deputies of the same congress serving in the same term (`other_congress`,
    `mandate_not_serving` otherwise); each is notified."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_invite(
            actor=request.user, suggestion_id=suggestion_id, persons=payload.person_ids, version=payload.version
        )
    return _suggestion(request, suggestion_id)


@router.delete(
    "/suggestions/{int:suggestion_id}/signers/{int:signer_id}", **STEP, summary="Remove a co-signer from the draft"
)
def suggestion_remove_signer(request, suggestion_id: int, signer_id: int, version: int | None = None):
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_remove_signer(
            actor=request.user, suggestion_id=suggestion_id, signer_id=signer_id, version=version
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/confirm", **STEP, summary="Confirm as co-signer")
def suggestion_confirm(request, suggestion_id: int, payload: VersionIn):
    """The deputy asked confirms that the text speaks for them too (003 §22)."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_confirm(actor=request.user, suggestion_id=suggestion_id, version=payload.version)
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/decline", **STEP, summary="Decline to co-sign")
def suggestion_decline(request, suggestion_id: int, payload: CommentIn):
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_decline(
            actor=request.user, suggestion_id=suggestion_id, comment=payload.comment, version=payload.version
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/submit", **STEP, summary="Submit")
def suggestion_submit(request, suggestion_id: int, payload: VersionIn):
    """Once every deputy asked has answered (`signers_missing`), in the right window for a session or
    interim suggestion (`wrong_timing`); the opinions it started from tell their citizens."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_submit(actor=request.user, suggestion_id=suggestion_id, version=payload.version)
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/disclosure", **STEP, summary="Agree (or not) to publication")
def suggestion_disclosure(request, suggestion_id: int, payload: DisclosureIn):
    """The lead deputy's agreement to publish the suggestion and its reply on the portal (003 §84);
    withdrawing it takes a published suggestion off the portal."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_agree_disclosure(
            actor=request.user, suggestion_id=suggestion_id, agreed=payload.agreed, version=payload.version
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/rate", **STEP, summary="Rate the reply")
def suggestion_rate(request, suggestion_id: int, payload: RateIn):
    """Each deputy who signed, once per round (`already_rated`); someone who did not sign gets 403
    `not_a_signer`. The last rating of a round decides: a dissatisfied one sends it back for
    re-handling (at most SUGGESTION_REHANDLING_MAX times), otherwise it is evaluated."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_rate(
            actor=request.user,
            suggestion_id=suggestion_id,
            satisfaction=payload.satisfaction,
            comment=payload.comment,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


# --- suggestions: the office and the leadership ------------------------------------------------------


@router.post("/suggestions/{int:suggestion_id}/register", **STEP, summary="Register (give the number)")
def suggestion_register(request, suggestion_id: int, payload: CommentIn):
    """The next number of the congress's term and session (or of the interim): no repeats, no gaps."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_register(
            actor=request.user, suggestion_id=suggestion_id, comment=payload.comment, version=payload.version
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/refuse", **STEP, summary="Do not register (003 §21)")
def suggestion_refuse(request, suggestion_id: int, payload: RefuseIn):
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_refuse(
            actor=request.user,
            suggestion_id=suggestion_id,
            reason=payload.reason,
            explanation=payload.explanation,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/assign", **STEP, summary="Assign to units (交办)")
def suggestion_assign(request, suggestion_id: int, payload: AssignIn):
    """To one lead unit and any co-units of the congress's region, by the assigning organ; deadline
    three calendar months after the day of assignment (Civil Code; rolled to a working day), latest
    possible deadline six months after it."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_assign(
            actor=request.user,
            suggestion_id=suggestion_id,
            organ=payload.organ_id,
            lead_unit=payload.lead_unit_id,
            co_units=payload.co_unit_ids,
            assigned_on=payload.assigned_on,
            instructions=payload.instructions,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/reassign", **STEP, summary="Change the units")
def suggestion_reassign(request, suggestion_id: int, payload: ReassignIn):
    """While it is handled: another lead unit, co-units added or taken off, with the reason; the
    deadline stays."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_reassign(
            actor=request.user,
            suggestion_id=suggestion_id,
            lead_unit=payload.lead_unit_id,
            co_units=payload.co_unit_ids,
            comment=payload.comment,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/key-supervision", **STEP, summary="Key supervision (重点督办)")
def suggestion_key_supervision(request, suggestion_id: int, payload: KeySupervisionIn):
    """The leadership chooses it for key supervision followed by a special committee (003 §27), or
    ends it (`on: false`)."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_key_supervision(
            actor=request.user,
            suggestion_id=suggestion_id,
            organ=payload.organ_id,
            on=payload.on,
            comment=payload.comment,
            version=payload.version,
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/close", **STEP, summary="Close")
def suggestion_close(request, suggestion_id: int, payload: CommentIn):
    """After the deputies' ratings; before all came in, with a reason (`comment`)."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_close(
            actor=request.user, suggestion_id=suggestion_id, comment=payload.comment, version=payload.version
        )
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/publish", **STEP, summary="Publish on the portal")
def suggestion_publish(request, suggestion_id: int, payload: VersionIn):
    """Once evaluated or closed, when the deputies agreed (`disclosure_not_agreed` otherwise): shown
    at /suggestions/<id>/ with its reply."""
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_publish(actor=request.user, suggestion_id=suggestion_id, version=payload.version)
    return _suggestion(request, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/unpublish", **STEP, summary="Withdraw the publication")
def suggestion_unpublish(request, suggestion_id: int, payload: ReasonIn):
    with _step(request, Suggestion, suggestion_id):
        services.suggestion_unpublish(
            actor=request.user, suggestion_id=suggestion_id, reason=payload.reason, version=payload.version
        )
    return _suggestion(request, suggestion_id)


# --- motions: reads ----------------------------------------------------------------------------------


@router.get(
    "/motions", auth=staff_auth, response={200: MotionPage, codes_4xx: ErrorOut}, tags=MOTIONS, summary="Motions"
)
def motion_list(request, query: Query[MotionQuery]):
    """Motions in your scope (the deputies' drafts stay theirs until submitted), paged."""
    _office_or_deputy(request)
    filters = selectors.ListFilters(
        status=_status_filter(query.status, Motion),
        congress_id=query.congress,
        term_id=query.term,
        session_id=query.session,
        region_path=_region_path(query.region),
        unit_id=query.unit,
        mine=query.mine,
        q=query.q,
        sort=_choice(query.sort, ("newest", "oldest", "number"), "sort") or "newest",
    )
    return _page(selectors.motion_list_for(user=request.user, filters=filters), query, _motion_item)


@router.get(
    "/motions/{int:motion_id}",
    auth=staff_auth,
    response={200: MotionOut, codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="One motion",
)
def motion_detail(request, motion_id: int):
    return _motion(request, motion_id)


@router.get(
    "/motions/{int:motion_id}/timeline",
    auth=staff_auth,
    response={200: list[EventOut], codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="A motion's timeline",
)
def motion_timeline(request, motion_id: int):
    return [_event(e) for e in selectors.timeline_for(selectors.motion_get_for(user=request.user, pk=motion_id))]


@router.get(
    "/motions/{int:motion_id}/candidates",
    auth=staff_auth,
    response={200: list[CandidateOut], codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="Deputies who may be asked to sign",
)
def motion_candidates(request, motion_id: int, q: str = ""):
    return _candidates(selectors.motion_get_for(user=request.user, pk=motion_id), q[:50])


@router.get(
    "/motions/{int:motion_id}/choices",
    auth=staff_auth,
    response={200: ChoicesOut, codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="Units and organs for assignment",
)
def motion_choices(request, motion_id: int):
    return _choices(selectors.motion_get_for(user=request.user, pk=motion_id).congress)


# --- motions: steps ----------------------------------------------------------------------------------

MSTEP = {"auth": staff_auth, "response": {200: MotionOut, codes_4xx: ErrorOut}, "tags": MOTIONS}


@router.post(
    "/motions",
    auth=staff_auth,
    response={200: MotionOut, 201: MotionOut, codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="Draft a motion",
)
def motion_create(request, payload: MotionCreateIn):
    """Cause, grounds and plan (案由、案据、方案) required. A deputy drafts one and collects signatures;
    the liaison office enters a delegation's or the presidium's. Before the session's deadline
    (`deadline_passed`). Idempotency as for suggestions."""
    key = idempotency_key_of(request, payload.idempotency_key)

    def create():
        return motions.motion_create_draft(
            actor=request.user,
            congress=payload.congress_id,
            session=payload.session_id,
            title=payload.title,
            grounds=payload.grounds,
            plan=payload.plan,
            proposer=payload.proposer,
            delegation=payload.delegation_id,
        )

    pk, replayed = _create_once(request, "motion", key, create, lambda m: m.title == payload.title.strip())
    return Status(200 if replayed else 201, _motion(request, pk))


@router.patch("/motions/{int:motion_id}", **MSTEP, summary="Edit the draft")
def motion_edit(request, motion_id: int, payload: MotionUpdateIn):
    """Only the fields sent change. A changed text asks the deputies who signed again."""
    current = selectors.motion_get_for(user=request.user, pk=motion_id)
    with _step(request, Motion, motion_id):
        motions.motion_update(
            actor=request.user,
            motion_id=motion_id,
            title=payload.title if payload.title is not None else current.title,
            grounds=payload.grounds if payload.grounds is not None else current.grounds,
            plan=payload.plan if payload.plan is not None else current.plan,
            version=payload.version,
        )
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/signers", **MSTEP, summary="Ask deputies to sign")
def motion_invite(request, motion_id: int, payload: PersonsIn):
    with _step(request, Motion, motion_id):
        motions.motion_invite(
            actor=request.user, motion_id=motion_id, persons=payload.person_ids, version=payload.version
        )
    return _motion(request, motion_id)


@router.delete("/motions/{int:motion_id}/signers/{int:signer_id}", **MSTEP, summary="Remove a signer")
def motion_remove_signer(request, motion_id: int, signer_id: int, version: int | None = None):
    with _step(request, Motion, motion_id):
        motions.motion_remove_signer(actor=request.user, motion_id=motion_id, signer_id=signer_id, version=version)
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/sign", **MSTEP, summary="Sign")
def motion_sign(request, motion_id: int, payload: VersionIn):
    """The deputy asked signs, before the session's deadline, while their mandate serves."""
    with _step(request, Motion, motion_id):
        motions.motion_confirm(actor=request.user, motion_id=motion_id, version=payload.version)
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/decline", **MSTEP, summary="Decline to sign")
def motion_decline(request, motion_id: int, payload: CommentIn):
    with _step(request, Motion, motion_id):
        motions.motion_decline(
            actor=request.user, motion_id=motion_id, comment=payload.comment, version=payload.version
        )
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/submit", **MSTEP, summary="Submit to the session")
def motion_submit(request, motion_id: int, payload: VersionIn):
    """With the congress's threshold of serving signers (`threshold_not_met`, `mandate_not_serving`)
    unless a delegation or the presidium raises it, before the deadline (`deadline_passed`);
    numbered."""
    with _step(request, Motion, motion_id):
        motions.motion_submit(actor=request.user, motion_id=motion_id, version=payload.version)
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/withdraw", **MSTEP, summary="Withdraw")
def motion_withdraw(request, motion_id: int, payload: WithdrawIn):
    """A draft by its lead; once submitted and until the presidium decides, by the office with the
    presidium's consent and a reason."""
    with _step(request, Motion, motion_id):
        motions.motion_withdraw(
            actor=request.user,
            motion_id=motion_id,
            reason=payload.reason,
            presidium_consent=payload.presidium_consent,
            version=payload.version,
        )
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/review", **MSTEP, summary="The review committee's opinion")
def motion_review(request, motion_id: int, payload: ReviewIn):
    with _step(request, Motion, motion_id):
        motions.motion_review(
            actor=request.user,
            motion_id=motion_id,
            opinion=payload.opinion,
            outside_powers=payload.outside_powers,
            version=payload.version,
        )
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/accept", **MSTEP, summary="Presidium: accept as a motion")
def motion_accept(request, motion_id: int, payload: NoteIn):
    """Not for a matter the review committee found outside the congress's powers (`outside_powers`)."""
    with _step(request, Motion, motion_id):
        motions.motion_accept(actor=request.user, motion_id=motion_id, note=payload.note, version=payload.version)
    return _motion(request, motion_id)


@router.post(
    "/motions/{int:motion_id}/convert",
    auth=staff_auth,
    response={200: ConvertOut, codes_4xx: ErrorOut},
    tags=MOTIONS,
    summary="Presidium: handle as a suggestion",
)
def motion_convert(request, motion_id: int, payload: NoteIn):
    """A submitted suggestion is made with the motion's text and signers, for the office to register;
    its timeline starts with the motion's steps."""
    with _step(request, Motion, motion_id):
        suggestion = motions.motion_convert(
            actor=request.user, motion_id=motion_id, note=payload.note, version=payload.version
        )
    return {"motion": _motion(request, motion_id), "suggestion_id": suggestion.pk}


@router.post("/motions/{int:motion_id}/assign", **MSTEP, summary="Assign an accepted motion")
def motion_assign(request, motion_id: int, payload: AssignIn):
    with _step(request, Motion, motion_id):
        motions.motion_assign(
            actor=request.user,
            motion_id=motion_id,
            organ=payload.organ_id,
            lead_unit=payload.lead_unit_id,
            co_units=payload.co_unit_ids,
            assigned_on=payload.assigned_on,
            instructions=payload.instructions,
            version=payload.version,
        )
    return _motion(request, motion_id)


@router.post("/motions/{int:motion_id}/report", **MSTEP, summary="Report the handling (003 §26)")
def motion_report(request, motion_id: int, payload: ReportIn):
    with _step(request, Motion, motion_id):
        motions.motion_report(actor=request.user, motion_id=motion_id, report=payload.report, version=payload.version)
    return _motion(request, motion_id)


# --- the office: more time, the overdue board --------------------------------------------------------


@router.post(
    "/extensions/{int:extension_id}/decide",
    auth=staff_auth,
    response={200: SuggestionOut | MotionOut, codes_4xx: ErrorOut},
    tags=OFFICE,
    summary="Decide on a unit's request for more time",
)
def extension_decide(request, extension_id: int, payload: DecideIn):
    """For the assigning organ, with the explanation (to the deputies when approved); never past six
    months after assignment (`extension_too_long`). Answers the suggestion or the motion."""
    row = Extension.objects.filter(pk=extension_id).values("assignment_id").first()
    if row is None:
        raise NotFound()
    model, item_pk = _item_of_assignment(row["assignment_id"])
    with _step(request, model, item_pk, assignment_id=row["assignment_id"]):
        handling.extension_decide(
            actor=request.user,
            extension_id=extension_id,
            approve=payload.approve,
            explanation=payload.explanation,
            version=payload.version,
        )
    return _motion(request, item_pk) if model is Motion else _suggestion(request, item_pk)


@router.get(
    "/overdue",
    auth=staff_auth,
    response={200: QueuePage, codes_4xx: ErrorOut},
    tags=OFFICE,
    summary="The overdue board",
)
def overdue_board(request, query: Query[OverdueQuery]):
    """Assignments past their deadline of items still being handled, in your scope, the longest
    overdue first (liaison offices and leadership)."""
    if not rules.can(request.user, "overdue_board"):
        raise PermissionDenied()
    kind = _choice(query.kind, ("suggestion", "motion"), "kind")
    rows = selectors.overdue_board_for(user=request.user, today=_today())
    if kind:
        rows = rows.filter(**{f"{kind}__isnull": False})
    return _page(rows, query, _queue_item)


@router.get(
    "/commitments",
    auth=staff_auth,
    response={200: CommitmentPage, codes_4xx: ErrorOut},
    tags=OFFICE,
    summary="Open commitments of class B replies",
)
def commitment_list(request, query: Query[PageQuery]):
    """Not yet reported fulfilled: of your units, or in your scope; the earliest due first."""
    _office_or_deputy(request)

    def build(c: Commitment) -> dict:
        a = c.reply.assignment
        item = a.suggestion if a.suggestion_id else a.motion
        model = Suggestion if a.suggestion_id else Motion
        return {
            "id": c.pk,
            "text": c.text,
            "due": c.due,
            "fulfilled_at": c.fulfilled_at,
            "fulfilled_note": c.fulfilled_note,
            "unit": _ref(a.unit),
            "assignment_id": a.pk,
            "item": {
                "kind": "suggestion" if a.suggestion_id else "motion",
                "id": item.pk,
                "label": item.label,
                "version": item.version,
                "status": item.status,
                "status_label": _status_label(model, item.status),
                "title": item.title,
                "congress": _ref(item.congress),
                "lead": _ref(item.lead),
            },
        }

    rows = selectors.open_commitments_for(user=request.user).select_related(
        "reply__assignment__suggestion__congress",
        "reply__assignment__suggestion__lead",
        "reply__assignment__motion__congress",
        "reply__assignment__motion__lead",
    )
    return _page(rows, query, build)


@router.get("/replies/{int:reply_id}/document", auth=staff_auth, tags=SUGGESTIONS, summary="Download a reply document")
def reply_document(request, reply_id: int):
    """The reply's (or co-unit's opinion's) document, to whoever sees its suggestion or motion."""
    reply = Reply.objects.select_related("assignment").filter(pk=reply_id).first()
    if reply is None or not reply.document:
        raise NotFound()
    a = reply.assignment
    model, pk = (Suggestion, a.suggestion_id) if a.suggestion_id else (Motion, a.motion_id)
    if not model.objects.filter(rules.visible_q(request.user, model), pk=pk).exists():
        raise NotFound()
    suffix = "." + reply.document.name.rsplit(".", 1)[-1].lower() if "." in reply.document.name else ""
    return files.protected_file_response(
        reply.document,
        content_type=DOCUMENT_TYPES.get(suffix, "application/octet-stream"),
        filename=reply.document_name or f"reply-{reply.pk}{suffix}",
        inline=False,
    )


# --- handling units ----------------------------------------------------------------------------------

USTEP = {"auth": staff_auth, "response": {200: UnitAssignmentOut, codes_4xx: ErrorOut}, "tags": UNITS}


@router.get(
    "/unit/assignments",
    auth=staff_auth,
    response={200: QueuePage, codes_4xx: ErrorOut},
    tags=UNITS,
    summary="Your unit's queue",
)
def unit_queue(request, query: Query[UnitQueueQuery]):
    """Suggestions and motions assigned to your units: the open ones by deadline by default; 403 for
    a user who is no handling unit's staff."""
    _unit(request)
    state = _choice(query.state, ("open", "overdue", "all", *Assignment.Status.values), "state")
    return _page(selectors.unit_queue_for(user=request.user, state=state, q=query.q), query, _queue_item)


@router.get("/assignments/{int:assignment_id}", **USTEP, summary="One of your unit's assignments")
def unit_assignment(request, assignment_id: int):
    """The item's text, the assignment's replies, contacts and requests for more time, the co-units'
    opinions (for the lead unit), and the unit's steps possible now."""
    _unit(request)
    return _unit_assignment(request, assignment_id)


@contextlib.contextmanager
def _unit_step(request, assignment_id: int):
    a = _unit_assignment_id(request, assignment_id)
    model = Suggestion if a.suggestion_id else Motion
    with _step(request, model, a.suggestion_id or a.motion_id, assignment_id=a.pk):
        yield a


@router.post("/assignments/{int:assignment_id}/accept", **USTEP, summary="Accept the assignment")
def unit_accept(request, assignment_id: int, payload: VersionIn):
    with _unit_step(request, assignment_id):
        handling.assignment_accept(actor=request.user, assignment_id=assignment_id, version=payload.version)
    return _unit_assignment(request, assignment_id)


@router.post("/assignments/{int:assignment_id}/return", **USTEP, summary="Send it back (not this unit's)")
def unit_return(request, assignment_id: int, payload: ReasonIn):
    """The lead unit's return takes the item back to the office to be assigned again."""
    with _unit_step(request, assignment_id):
        handling.assignment_return(
            actor=request.user, assignment_id=assignment_id, reason=payload.reason, version=payload.version
        )
    return _unit_assignment(request, assignment_id)


@router.post("/assignments/{int:assignment_id}/contacts", **USTEP, summary="Record a contact with the deputies")
def unit_contact(request, assignment_id: int, payload: ContactIn):
    """座谈, 调研, 电话, 信函 (003 §25): not in the future, not before the assignment."""
    with _unit_step(request, assignment_id):
        handling.assignment_contact_add(
            actor=request.user,
            assignment_id=assignment_id,
            kind=payload.kind,
            date=payload.date,
            note=payload.note,
            version=payload.version,
        )
    return _unit_assignment(request, assignment_id)


@router.post(
    "/assignments/{int:assignment_id}/co-opinion",
    **USTEP,
    summary="A co-unit's opinion to the lead unit (JSON or multipart)",
    openapi_extra=_json_or_multipart(CoOpinionIn),
)
def unit_co_opinion(request, assignment_id: int):
    payload, document = _body(request, CoOpinionIn)
    with _unit_step(request, assignment_id):
        handling.assignment_co_opinion(
            actor=request.user,
            assignment_id=assignment_id,
            text=payload.text,
            document=document,
            version=payload.version,
        )
    return _unit_assignment(request, assignment_id)


@router.post("/assignments/{int:assignment_id}/extension", **USTEP, summary="Ask for more time")
def unit_extension(request, assignment_id: int, payload: ExtensionIn):
    """The lead unit asks; at most six months after assignment (`extension_too_long`), after the
    current deadline (`extension_not_possible`). The office decides."""
    with _unit_step(request, assignment_id):
        handling.extension_request(
            actor=request.user,
            assignment_id=assignment_id,
            deadline=payload.deadline,
            reason=payload.reason,
            version=payload.version,
        )
    return _unit_assignment(request, assignment_id)


@router.post(
    "/assignments/{int:assignment_id}/reply",
    **USTEP,
    summary="Reply to the deputies (JSON or multipart with the document)",
    openapi_extra=_json_or_multipart(ReplyIn),
)
def unit_reply(request, assignment_id: int):
    """The lead unit's reply with its class (`reply_class_missing` without one): A solved or adopted,
    B being solved or planned — at least one commitment (`commitments_missing`) —, C cannot be solved
    now. As a multipart form, the reply document under `document` (PDF or Word, judged by content:
    `document_rejected`)."""
    payload, document = _body(request, ReplyIn)
    with _unit_step(request, assignment_id):
        handling.assignment_reply(
            actor=request.user,
            assignment_id=assignment_id,
            answer_class=payload.answer_class.strip().upper(),
            text=payload.text,
            document=document,
            commitments=[{"text": c.text, "due": c.due} for c in payload.commitments],
            version=payload.version,
        )
    return _unit_assignment(request, assignment_id)


@router.post("/commitments/{int:commitment_id}/fulfil", **USTEP, summary="Report a commitment fulfilled")
def commitment_fulfil(request, commitment_id: int, payload: FulfilIn):
    """The unit that replied reports a class B commitment fulfilled; answers its assignment."""
    row = Commitment.objects.filter(pk=commitment_id).values("reply__assignment_id").first()
    if row is None:
        raise NotFound()
    with _unit_step(request, row["reply__assignment_id"]) as a:
        handling.commitment_fulfil(
            actor=request.user, commitment_id=commitment_id, note=payload.note, version=payload.version
        )
    return _unit_assignment(request, a.pk)
