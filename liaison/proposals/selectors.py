"""Reads of suggestions and motions. Every read goes through `rules.visible_q(user, model)` (or its
form for assignments): an item outside the user's scope is answered exactly like a missing one.
Lists join or prefetch what a row shows, so the number of queries does not grow with the rows."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from liaison.accounts.scope import is_broad_path, path_prefix_q, scope_for
from liaison.core.exceptions import NotFound
from liaison.deputies.models import Mandate

from . import rules
from .handling import being_handled_q
from .models import Assignment, Commitment, Evaluation, Event, Extension, Motion, Reply, Signer, Suggestion, UnitContact
from .workflow import LIVE_ASSIGNMENT, MOTION_HANDLING_STATES, SUGGESTION_HANDLING_STATES
from .workflow import actions_for as workflow_actions

S = Suggestion.Status
M = Motion.Status
CLOSED_SUGGESTION = (S.CLOSED, S.NOT_REGISTERED)
CLOSED_MOTION = (M.WITHDRAWN, M.REPORTED, M.CONVERTED)
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "number": ("term_id", "session_id", "number", "id"),
    "deadline": (F("deadline").asc(nulls_last=True), "created_at", "id"),
}


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _today() -> datetime.date:
    return timezone.localdate()


# --- lists -------------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    status: str = "open"  # "open", "all", "handling" (suggestions with the units), or one status
    timing: str = ""  # suggestions: "session" / "interim"
    congress_id: int | None = None
    term_id: int | None = None
    session_id: int | None = None
    region_path: str = ""
    unit_id: int | None = None  # with an assignment of this unit
    key_supervision: bool = False  # suggestions
    overdue: bool = False  # suggestions being handled past their deadline
    mine: bool = False  # a deputy's own: those they are a signer of
    q: str = ""
    sort: str = "newest"


def _common_filters(qs: QuerySet, model, user, f: ListFilters) -> QuerySet:
    fk = "motion" if model is Motion else "suggestion"
    if f.congress_id:
        qs = qs.filter(congress_id=f.congress_id)
    if f.term_id:
        qs = qs.filter(term_id=f.term_id)
    if f.session_id:
        qs = qs.filter(session_id=f.session_id)
    if f.region_path:
        qs = qs.filter(path_prefix_q("region_path", f.region_path))
    if f.unit_id:
        qs = qs.filter(Exists(Assignment.objects.filter(**{fk: OuterRef("pk")}, unit_id=f.unit_id)))
    if f.mine:
        persons = scope_for(user).person_ids
        qs = qs.filter(Exists(Signer.objects.filter(**{fk: OuterRef("pk")}, person_id__in=persons)))
    term = (f.q or "").strip()
    if term:
        match = Q(title__icontains=term)
        if term.isdigit():
            match |= Q(number=int(term))
        qs = qs.filter(match)
    return qs


def suggestion_list_for(*, user, filters: ListFilters | None = None) -> QuerySet[Suggestion]:
    f = filters or ListFilters()
    qs = Suggestion.objects.filter(rules.visible_q(user, Suggestion))
    if f.status == "open":
        qs = qs.exclude(status__in=CLOSED_SUGGESTION)
    elif f.status == "handling":  # with the units: assigned, or being handled again
        qs = qs.filter(status__in=[S.ASSIGNED, S.RE_HANDLING])
    elif f.status in S.values:
        qs = qs.filter(status=f.status)
    if f.timing in Suggestion.Timing.values:
        qs = qs.filter(timing=f.timing)
    if f.key_supervision:
        qs = qs.filter(key_supervision=True)
    if f.overdue:
        qs = qs.filter(status__in=[S.ASSIGNED, S.RE_HANDLING], deadline__lt=_today())
    qs = _common_filters(qs, Suggestion, user, f)
    sort = SORTS.get(f.sort, SORTS["newest"])
    return qs.select_related("congress", "session", "term", "lead", "category", "supervising_organ").order_by(*sort)


def motion_list_for(*, user, filters: ListFilters | None = None) -> QuerySet[Motion]:
    f = filters or ListFilters()
    qs = Motion.objects.filter(rules.visible_q(user, Motion))
    if f.status == "open":
        qs = qs.exclude(status__in=CLOSED_MOTION)
    elif f.status in M.values:
        qs = qs.filter(status=f.status)
    qs = _common_filters(qs, Motion, user, f)
    sort = f.sort if f.sort in ("newest", "oldest", "number") else "newest"
    signatures = Signer.objects.filter(motion=OuterRef("pk"), status=Signer.Status.CONFIRMED)
    count = signatures.order_by().values("motion").annotate(n=Count("pk")).values("n")[:1]
    return (
        qs.select_related("congress", "session", "term", "lead", "delegation")
        .annotate(signatures=Subquery(count, output_field=IntegerField()))
        .order_by(*SORTS[sort])
    )


def list_for(*, user, kind: str = "suggestion", filters: ListFilters | None = None) -> QuerySet:
    return (
        motion_list_for(user=user, filters=filters)
        if kind == "motion"
        else suggestion_list_for(user=user, filters=filters)
    )


# --- one item ----------------------------------------------------------------------------------------


def _assignments_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("unit", "assigned_by").prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("author").prefetch_related(
                    Prefetch("commitments", queryset=Commitment.objects.order_by(F("due").asc(nulls_last=True), "id"))
                ),
            ),
            Prefetch("contacts", queryset=UnitContact.objects.select_related("author")),
            Prefetch("extensions", queryset=Extension.objects.select_related("requested_by", "decided_by")),
        ),
    )


def _signers_prefetch() -> Prefetch:
    return Prefetch("signers", queryset=Signer.objects.select_related("person", "mandate"))


def suggestion_get_for(*, user, pk) -> Suggestion:
    """One suggestion with its signers, assignments (replies, commitments, contacts, extensions),
    ratings and linked opinions, or NotFound when missing or outside the user's scope."""
    suggestion = (
        Suggestion.objects.filter(rules.visible_q(user, Suggestion), pk=_pk(pk))
        .select_related(
            "congress__region", "term", "session", "lead", "category", "assigning_organ", "supervising_organ",
            "from_motion", "created_by",
        )
        .prefetch_related(
            _signers_prefetch(),
            _assignments_prefetch(),
            Prefetch("evaluations", queryset=Evaluation.objects.select_related("person")),
            "opinions",
        )
        .first()
    )  # fmt: skip
    if suggestion is None:
        raise NotFound()
    return suggestion


def motion_get_for(*, user, pk) -> Motion:
    motion = (
        Motion.objects.filter(rules.visible_q(user, Motion), pk=_pk(pk))
        .select_related("congress__region", "term", "session", "lead", "delegation", "created_by")
        .prefetch_related(_signers_prefetch(), _assignments_prefetch())
        .first()
    )
    if motion is None:
        raise NotFound()
    return motion


def get_for(*, user, kind: str, pk):
    return motion_get_for(user=user, pk=pk) if kind == "motion" else suggestion_get_for(user=user, pk=pk)


def capacities_for(user, item) -> set[str]:
    """The user's capacities towards an item loaded by a get_for selector (no further query)."""
    return rules.capacities(user, item, signers=list(item.signers.all()), assignments=list(item.assignments.all()))


def actions_for(user, item) -> list[str]:
    """The workflow actions the user may take on the item now (the buttons of its page)."""
    return workflow_actions(item, capacities_for(user, item))


def timeline_for(item) -> list[Event]:
    """The item's timeline, oldest first. A suggestion converted from a motion shows the motion's
    steps before its own."""
    if isinstance(item, Motion):
        q = Q(motion_id=item.pk)
    else:
        q = Q(suggestion_id=item.pk)
        if item.from_motion_id:
            q |= Q(motion_id=item.from_motion_id)
    first = Case(When(motion_id__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField())
    if isinstance(item, Motion):
        first = Value(0, output_field=IntegerField())
    return list(Event.objects.filter(q).select_related("actor").annotate(part=first).order_by("part", "at", "id"))


def signature_count(motion: Motion) -> int:
    return sum(1 for s in motion.signers.all() if s.status == Signer.Status.CONFIRMED)


def cosigner_candidates(
    *, item=None, congress_id=None, term_id=None, exclude=(), q: str = "", limit: int = 50
) -> QuerySet[Mandate]:
    """Deputies who may be asked to sign: serving mandates of the item's congress and term, not yet
    on its list (those who declined may be asked again). Before a draft exists, the congress and
    term are given instead of the item; `exclude` takes person ids off (the drafting deputy, those
    already chosen)."""
    if item is not None:
        congress_id, term_id = item.congress_id, item.term_id
    qs = Mandate.objects.filter(congress_id=congress_id, term_id=term_id, status=Mandate.Status.SERVING).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=_today())
    )
    if item is not None:
        fk = "motion" if isinstance(item, Motion) else "suggestion"
        on_list = Signer.objects.filter(**{fk: item}).exclude(status=Signer.Status.DECLINED).values("person_id")
        qs = qs.exclude(person_id__in=on_list)
    if exclude:
        qs = qs.exclude(person_id__in=list(exclude))
    term = (q or "").strip()
    if term:
        qs = qs.filter(Q(person_name__icontains=term) | Q(name_pinyin__istartswith=term.lower()))
    return qs.select_related("person", "delegation").order_by("name_pinyin", "person_id", "id")[:limit]


def invitations_for(*, user) -> QuerySet[Signer]:
    """A deputy's open invitations to sign (suggestions in draft, motions collecting signatures)."""
    persons = scope_for(user).person_ids
    return (
        Signer.objects.filter(person_id__in=persons, status=Signer.Status.INVITED)
        .filter(Q(suggestion__status=S.DRAFT) | Q(motion__status__in=[M.DRAFT, M.COLLECTING]))
        .select_related("suggestion__lead", "motion__lead", "suggestion__congress", "motion__congress")
        .order_by("-created_at", "-id")
    )


# --- units -------------------------------------------------------------------------------------------


def _assignment_rows(qs: QuerySet) -> QuerySet[Assignment]:
    pending = Extension.objects.filter(assignment=OuterRef("pk"), status=Extension.Status.PENDING)
    return qs.select_related(
        "unit", "suggestion__congress", "suggestion__lead", "motion__congress", "motion__lead"
    ).annotate(extension_pending=Exists(pending))


def unit_queue_for(*, user, state: str = "open", q: str = "") -> QuerySet[Assignment]:
    """A handling unit's assignments (suggestions and motions): "open" — the current round of items
    still being handled, by deadline; "overdue"; "replied", "returned", "withdrawn"; "all"."""
    qs = Assignment.objects.filter(unit_id__in=rules.unit_ids_of(user))
    if state in ("open", "overdue"):
        qs = qs.filter(status__in=LIVE_ASSIGNMENT).filter(being_handled_q())
        if state == "overdue":
            qs = qs.filter(deadline__lt=_today())
    elif state in Assignment.Status.values:
        qs = qs.filter(status=state)
    term = (q or "").strip()
    if term:
        qs = qs.filter(Q(suggestion__title__icontains=term) | Q(motion__title__icontains=term))
    return _assignment_rows(qs).order_by("deadline", "id")


def assignment_get_for(*, user, pk) -> Assignment:
    """One assignment of the user's units with its item, replies, contacts and requests for more time.
    Another unit's assignment is NotFound, like a missing one."""
    assignment = (
        Assignment.objects.filter(pk=_pk(pk), unit_id__in=rules.unit_ids_of(user))
        .select_related("unit", "assigned_by", "suggestion__congress", "suggestion__lead", "motion__congress")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("author").prefetch_related(
                    Prefetch("commitments", queryset=Commitment.objects.order_by(F("due").asc(nulls_last=True), "id"))
                ),
            ),
            Prefetch("contacts", queryset=UnitContact.objects.select_related("author")),
            Prefetch("extensions", queryset=Extension.objects.select_related("requested_by", "decided_by")),
        )
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def co_opinions_for(*, assignment: Assignment) -> list[Reply]:
    """For the lead unit: the opinions its round's co-units sent."""
    fk = "motion_id" if assignment.motion_id else "suggestion_id"
    return list(
        Reply.objects.filter(
            kind=Reply.Kind.CO_OPINION,
            assignment__round=assignment.round,
            **{f"assignment__{fk}": getattr(assignment, fk)},
        ).select_related("assignment__unit", "author")
    )


UNIT_PAPERS = frozenset({"office", "leadership", "lead_unit", "co_unit", "lead_unit_any"})


def sees_co_opinions(caps: set[str]) -> bool:
    """A co-unit's opinion is a working paper between the units: the offices, the leadership and the
    item's units read it; the deputies read the lead unit's reply."""
    return bool(caps & UNIT_PAPERS)


def reply_document_get_for(*, user, pk) -> Reply:
    """A reply's document, for a user who sees the reply (a co-unit's opinion: see sees_co_opinions).
    NotFound otherwise, and for a reply without a document."""
    reply = (
        Reply.objects.filter(pk=_pk(pk))
        .exclude(document="")
        .select_related("assignment__suggestion", "assignment__motion")
        .first()
    )
    if reply is None:
        raise NotFound()
    item = reply.assignment.item
    model = type(item)
    if not model.objects.filter(rules.visible_q(user, model), pk=item.pk).exists():
        raise NotFound()
    if reply.kind == Reply.Kind.CO_OPINION and not sees_co_opinions(rules.capacities(user, item)):
        raise NotFound()
    return reply


def open_commitments_for(*, user) -> QuerySet[Commitment]:
    """Class B commitments not yet reported fulfilled, of the user's units or in the user's scope."""
    return (
        Commitment.objects.filter(fulfilled_at__isnull=True, reply__kind=Reply.Kind.ANSWER)
        .filter(rules.assignment_visible_q(user, prefix="reply__assignment__"))
        .select_related("reply__assignment__unit", "reply__assignment__suggestion", "reply__assignment__motion")
        .order_by(F("due").asc(nulls_last=True), "id")
    )


# --- the overdue board -----------------------------------------------------------------------------


# What a board row shows: loading whole suggestions, motions and deputies for a hundred rows cost
# more than the query.
BOARD_FIELDS = (
    *("id", "suggestion", "motion", "unit", "role", "status", "round", "assigned_on", "deadline", "unit__name"),
    *("suggestion__number", "suggestion__title", "suggestion__key_supervision", "suggestion__congress__name"),
    *("motion__number", "motion__title", "motion__congress__name"),
)


def _board_rows(qs: QuerySet) -> QuerySet[Assignment]:
    pending = Extension.objects.filter(assignment=OuterRef("pk"), status=Extension.Status.PENDING)
    return (
        qs.select_related("unit", "suggestion__congress", "motion__congress")
        .only(*BOARD_FIELDS)
        .annotate(extension_pending=Exists(pending))
        .order_by("deadline", "id")
    )


def overdue_board_for(*, user, today: datetime.date | None = None) -> QuerySet[Assignment]:
    """Live assignments of items still being handled, past their deadline, in the user's scope (the
    liaison office's and the leadership's board), the longest overdue first."""
    overdue = Assignment.objects.filter(is_live=True, deadline__lt=today or _today())
    scope = scope_for(user)
    if scope.region_paths and not (scope.person_ids or scope.unit_ids):
        # An office's board: whether an overdue assignment's item is in the area and still being
        # handled is asked of that item alone (by its key), so the database walks the overdue
        # assignments in deadline order (a partial index) and never joins every suggestion first.
        in_area = scope.region_q("region_path")
        if connection.vendor == "sqlite" and not any(is_broad_path(p) for p in scope.region_paths):
            # On SQLite (no statistics of values) a county or smaller starts from the area's items
            # being handled, a range of their (region_path, status) index, and looks up their
            # assignments; walking the whole province's overdue assignments would cost more.
            items = Q(
                suggestion_id__in=Suggestion.objects.filter(in_area, status__in=SUGGESTION_HANDLING_STATES).values("pk")
            ) | Q(motion_id__in=Motion.objects.filter(in_area, status__in=MOTION_HANDLING_STATES).values("pk"))
            return _board_rows(overdue.filter(items).filter(being_handled_q()))
        suggestion_here = Suggestion.objects.filter(
            in_area, pk=OuterRef("suggestion_id"), round=OuterRef("round"), status__in=SUGGESTION_HANDLING_STATES
        )
        motion_here = Motion.objects.filter(in_area, pk=OuterRef("motion_id"), status__in=MOTION_HANDLING_STATES)
        return _board_rows(overdue.filter(Exists(suggestion_here) | Exists(motion_here)))
    return _board_rows(overdue.filter(being_handled_q()).filter(rules.assignment_visible_q(user)))
