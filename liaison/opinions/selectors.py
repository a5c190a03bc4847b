"""Reads of opinions. Staff reads go through `rules.visible_q(user)`: an opinion outside the user's
scope is answered exactly like a missing one. Public reads (tracking page, published results) never
carry personal data."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.accounts.scope import path_prefix_q
from liaison.core.crypto import mask_email, mask_phone, mask_text
from liaison.core.exceptions import NotFound

from . import rules
from .models import Assignment, Attachment, Event, Extension, Opinion, Reply, UnitContact
from .services import normalize_tracking_code, rated_since_answer
from .workflow import ANSWERED_STATES, LIVE_ASSIGNMENT

S = Opinion.Status
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    # opinions without a deadline last on every database (SQLite would put NULLs first)
    "deadline": (F("due_date").asc(nulls_last=True), "created_at", "id"),
}


@dataclass
class QueueFilters:
    status: str = "open"  # "open", "all", or one status
    queue: str = "mine"  # "mine": opinions waiting at my level/station; "all": everything I may see
    region_path: str = ""
    category_id: int | None = None
    channel: str = ""
    level: str = ""
    station_id: int | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "oldest"


def _mine_q(user) -> Q:
    """Opinions waiting in the user's own queue: of the regions they are liaison officer of exactly
    (not the subtree below), or of their stations while not escalated."""
    roles = user.active_roles()
    regions = [r.region_id for r in roles if r.kind == Role.Kind.LIAISON_OFFICER]
    stations = [r.station_id for r in roles if r.kind == Role.Kind.STATION_STAFF]
    q = Q(pk__in=[])
    if regions:
        q |= Q(queue_region_id__in=regions)
    if stations:
        q |= Q(station_id__in=stations, escalations=0)
    return q


def opinion_queue_for(*, user, filters: QueueFilters | None = None) -> QuerySet[Opinion]:
    """The triage queue: scoped, filtered, sorted, with what a list row shows already joined."""
    f = filters or QueueFilters()
    qs = Opinion.objects.filter(rules.visible_q(user))
    if f.queue == "mine" and (user.has_role(Role.Kind.LIAISON_OFFICER, Role.Kind.STATION_STAFF)):
        qs = qs.filter(_mine_q(user))
    if f.status == "open":
        qs = qs.filter(still_open=True)  # answered from the partial indexes on open opinions
    elif f.status in S.values:
        qs = qs.filter(status=f.status)
    if f.region_path:
        qs = qs.filter(path_prefix_q("region_path", f.region_path))
    if f.category_id:
        qs = qs.filter(category_id=f.category_id)
    if f.channel in Opinion.Channel.values:
        qs = qs.filter(channel=f.channel)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.station_id:
        qs = qs.filter(station_id=f.station_id)
    if f.overdue:
        qs = qs.filter(status=S.ASSIGNED, due_date__lt=timezone.localdate())
    term = (f.q or "").strip()
    if term:
        code = normalize_tracking_code(term)
        by_text = Q(title__icontains=term) | Q(text__icontains=term)
        qs = qs.filter(by_text | Q(tracking_code=code)) if len(code) >= 8 else qs.filter(by_text)
    return qs.select_related("region", "category", "station").order_by(*SORTS.get(f.sort, SORTS["oldest"]))


def opinion_get_for(*, user, pk) -> Opinion:
    """One opinion with its assignments, replies, extensions, attachments and timeline, or NotFound
    when it is missing or outside the user's scope."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    opinion = (
        Opinion.objects.filter(rules.visible_q(user), pk=pk)
        .select_related("region", "queue_region", "category", "station", "received_by", "merged_into", "registered_by")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("unit").prefetch_related(
                    Prefetch("replies", queryset=Reply.objects.select_related("author")),
                    "contacts",
                    Prefetch("extensions", queryset=Extension.objects.select_related("requested_by", "decided_by")),
                ),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
            Prefetch("events", queryset=Event.objects.select_related("actor")),
            "visits",
        )
        .first()
    )
    if opinion is None:
        raise NotFound()
    return opinion


def attachment_get_for(*, user, pk) -> Attachment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    attachment = (
        Attachment.objects.filter(pk=pk).filter(opinion__in=Opinion.objects.filter(rules.visible_q(user))).first()
    )
    if attachment is None:
        raise NotFound()
    return attachment


def unit_queue_for(*, user, state: str = "open", q: str = "") -> QuerySet[Assignment]:
    """A handling unit's assignments: open ones by deadline (pending first), or replied/returned."""
    unit_ids = rules.unit_ids_of(user)
    qs = Assignment.objects.filter(unit_id__in=unit_ids)
    today = timezone.localdate()
    if state == "open":
        qs = qs.filter(status__in=LIVE_ASSIGNMENT)
    elif state == "overdue":
        qs = qs.filter(status__in=LIVE_ASSIGNMENT, deadline__lt=today)
    elif state in Assignment.Status.values:
        qs = qs.filter(status=state)
    term = (q or "").strip()
    if term:
        code = normalize_tracking_code(term)
        match = Q(opinion__title__icontains=term) | Q(opinion__text__icontains=term)
        qs = qs.filter(match | Q(opinion__tracking_code=code)) if len(code) >= 8 else qs.filter(match)
    pending_extension = Extension.objects.filter(assignment=OuterRef("pk"), status=Extension.Status.PENDING)
    return (
        qs.select_related("opinion", "opinion__region", "opinion__category", "unit")
        .annotate(extension_pending=Exists(pending_extension))
        .order_by("deadline", "id")
    )


def overdue_for(*, user) -> QuerySet[Assignment]:
    """Live assignments past their deadline, within the user's scope (the liaison office's board)."""
    return (
        Assignment.objects.filter(
            status__in=LIVE_ASSIGNMENT,
            deadline__lt=timezone.localdate(),
            opinion__in=Opinion.objects.filter(rules.visible_q(user)),
        )
        .select_related("opinion", "unit", "opinion__region")
        .order_by("deadline", "id")
    )


def worklog_for(*, user, day: datetime.date, station_id: int | None = None) -> QuerySet[Opinion]:
    """民情工作日志: what was collected on a day at the user's stations (or one of them), in the
    order it was registered."""
    qs = Opinion.objects.filter(rules.visible_q(user), received_on=day)
    if station_id:
        qs = qs.filter(station_id=station_id)
    return qs.select_related("station", "received_by", "registered_by", "category").order_by("created_at", "id")


# --- the station work log ----------------------------------------------------------------------------


def worklog_stations_for(*, user) -> QuerySet:
    """The open stations whose work log (民情工作日志) the user keeps: their own as station staff, those
    in their regions as liaison officer, those they serve at as a deputy."""
    from liaison.stations.models import Station, StationDeputy

    roles = user.active_roles()
    q = Q(pk__in=[r.station_id for r in roles if r.kind == Role.Kind.STATION_STAFF])
    for role in roles:
        if role.kind == Role.Kind.LIAISON_OFFICER:
            q |= Q(region_path__startswith=role.region.path)
    persons = [r.person_id for r in roles if r.kind == Role.Kind.DEPUTY]
    if persons:
        q |= Exists(StationDeputy.objects.filter(station=OuterRef("pk"), person_id__in=persons))
    return Station.objects.filter(q, is_active=True).select_related("region").order_by("region_path", "name", "pk")


# --- public -----------------------------------------------------------------------------------------


@dataclass
class Tracking:
    opinion: Opinion
    events: list
    answer: str
    answered: bool
    merged_into: Opinion | None
    can_rate: bool


def track(code: str) -> Tracking:
    """What the tracking page shows: status, the public steps and the answer — never personal data,
    never staff names. A merged opinion shows the answer of the one it was merged into."""
    code = normalize_tracking_code(code)
    if len(code) < 8:
        raise NotFound()
    opinion = (
        Opinion.objects.select_related("region", "category", "station", "merged_into")
        .filter(tracking_code=code)
        .first()
    )
    if opinion is None:
        raise NotFound()
    steps = list(opinion.events.filter(public=True).order_by("at", "id"))
    target = opinion.merged_into
    source = target if target is not None else opinion
    answered = source.status in ANSWERED_STATES or opinion.status == S.REDIRECTED
    answer = (source.answer if answered else "") or ""
    return Tracking(
        opinion=opinion,
        events=steps,
        answer=answer,
        answered=answered,
        merged_into=target,
        can_rate=opinion.status in (S.FED_BACK, S.ANSWERED_ON_SPOT) and not rated_since_answer(opinion),
    )


def published_list(*, region_path: str = "", category_id=None, q: str = "") -> QuerySet[Opinion]:
    qs = Opinion.objects.filter(is_published=True)
    if region_path:
        qs = qs.filter(region_path__startswith=region_path)
    if category_id:
        qs = qs.filter(category_id=category_id)
    term = (q or "").strip()
    if term:
        qs = qs.filter(Q(published_title__icontains=term) | Q(published_text__icontains=term))
    return (
        qs.select_related("region", "category")
        .order_by("-published_at", "-id")
        .only(
            "pk",
            "tracking_code",
            "published_title",
            "published_text",
            "published_answer",
            "published_at",
            "status",
            "satisfaction",
            "region__name",
            "category__name",
        )
    )


def published_get(pk) -> Opinion:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    opinion = published_list().filter(pk=pk).first()
    if opinion is None:
        raise NotFound()
    return opinion


# --- the handling unit's workspace ------------------------------------------------------------------


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def unit_assignment_get_for(*, user, pk) -> Assignment:
    """One assignment of the user's units, with its opinion and the unit's own replies (and their
    attachments), contacts and requests for more time. Another unit's assignment is NotFound, like a
    missing one."""
    assignment = (
        Assignment.objects.filter(pk=_pk(pk), unit_id__in=rules.unit_ids_of(user))
        .select_related(
            "unit", "assigned_by", "opinion__region", "opinion__category", "opinion__station", "opinion__queue_region"
        )
        .prefetch_related(
            Prefetch("replies", queryset=Reply.objects.select_related("author").prefetch_related("attachments")),
            Prefetch("contacts", queryset=UnitContact.objects.select_related("author")),
            Prefetch("extensions", queryset=Extension.objects.select_related("requested_by", "decided_by")),
        )
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def unit_timeline(*, assignment: Assignment) -> list[Event]:
    """What a handling unit sees of the opinion's history: the public steps and its own."""
    rows = Event.objects.filter(opinion_id=assignment.opinion_id).select_related("actor").order_by("at", "id")
    return [e for e in rows if e.public or (e.data or {}).get("unit") == assignment.unit_id]


def opinion_attachments_for_unit(*, assignment: Assignment) -> list[Attachment]:
    """The citizen's attachments (not other units' reply attachments)."""
    return list(Attachment.objects.filter(opinion_id=assignment.opinion_id, reply__isnull=True))


def unit_attachment_get_for(*, user, pk) -> Attachment:
    """An attachment a unit may download: the citizen's, of an opinion assigned to one of the user's
    units, or one of the unit's own replies."""
    unit_ids = rules.unit_ids_of(user)
    mine = Exists(Assignment.objects.filter(opinion=OuterRef("opinion"), unit_id__in=unit_ids))
    attachment = (
        Attachment.objects.filter(pk=_pk(pk))
        .filter(mine)
        .filter(Q(reply__isnull=True) | Q(reply__assignment__unit_id__in=unit_ids))
        .first()
    )
    if attachment is None:
        raise NotFound()
    return attachment


def contact_masked(opinion: Opinion) -> dict:
    """The submitter's contact as lists show it (李**, 138****1234, a***@example.com)."""
    return {
        "name": mask_text(opinion.submitter_name),
        "phone": mask_phone(opinion.submitter_phone),
        "email": mask_email(opinion.submitter_email),
        "address": mask_text(opinion.submitter_address),
    }


# --- the workspace home --------------------------------------------------------------------------


def queue_counts(*, user) -> dict:
    """The workspace home's figures, in one query: opinions open in the user's own queue, and how
    many of them are past their reply deadline."""
    from django.db.models import Count

    late = Q(status=S.ASSIGNED, due_date__lt=timezone.localdate())
    rows = opinion_queue_for(user=user, filters=QueueFilters()).order_by()
    return rows.aggregate(open=Count("pk"), overdue=Count("pk", filter=late))
