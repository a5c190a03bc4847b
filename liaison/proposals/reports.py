"""Reports on the handling of suggestions and motions (DESIGN §5, 003 §24–27): per handling unit and
per assigning organ, for a period of assignment dates, scoped to the user. Selectors only: a table's
figures come from one GROUP BY query over the items' assignments, with conditional aggregates and
correlated counts, so the number of queries does not grow with the data and no Python loop runs
over the items.

What is counted (the population): the items (suggestions, or motions) assigned in the period — by
the date of their first-round lead assignment, the day the organ assigned them to the unit that holds
them, which starts the three-month clock (when a lead unit sent the item back, the new assignment's
date counts) — that lie in the user's scope, with all their assignments: co-units' and re-handling
rounds' too. Assignments a unit sent back or that were withdrawn (the organ changed the units) are not
the unit's: only assignments the unit holds (waiting, being handled, replied) count.

The figures of a row (one unit, one organ, or the totals):
- assigned as lead unit / as co-unit: the first-round assignments (re-handling rounds are not new
  assignments);
- answered: first-round lead assignments with a reply; answered on time: of those, the reply's
  date (Asia/Shanghai) is on or before the deadline in force — the assignment's deadline, which an
  approved extension moves (liaison.proposals.handling: "an approved date becomes the deadline of
  every live assignment of the round");
- overdue now: live lead assignments (any round) past their deadline today;
- extensions asked / approved: the lead units' requests;
- A / B / C: the class of each answered item's latest reply (after a re-handling, the new reply's
  class replaces the old one), shares of the answered items; open commitments: promises of class B
  replies not yet reported fulfilled;
- satisfied / basically / dissatisfied: the deputies' ratings of the item's current round (the
  ratings that stand), attributed to the unit that replied in that round; satisfaction rate =
  (satisfied + basically) / ratings;
- re-handled: items sent back to their lead unit to be handled again (their second round).

Scope: a liaison officer or leadership sees the items of their region subtrees (`region_path`), with
every unit that handles them; handling-unit staff see their own unit's assignments only.
"""

import datetime
import functools
import zoneinfo
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from liaison.accounts.scope import Scope, path_prefix_q, scope_for
from liaison.regions.models import HandlingUnit, Level, Region, Session, path_prefixes

from .models import Assignment, Commitment, Evaluation, Extension, Motion, Reply, Satisfaction, Suggestion

LEAD = Assignment.Role.LEAD
CO = Assignment.Role.CO
# The assignments a unit holds: not sent back by it, not withdrawn by the organ.
HELD = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED, Assignment.Status.REPLIED)
LIVE = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)
KINDS = {
    "suggestion": pgettext_lazy("report items", "deputies' suggestions"),
    "motion": pgettext_lazy("report items", "motions"),
}
GROUPINGS = ("unit", "organ")
LIST_CAP = 500  # items listed in the Standing Committee report (overdue, re-handled, key supervision)


# --- the period -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A range of assignment dates, both ends included; a session's period also keeps to the
    items of that session's congress."""

    date_from: datetime.date
    date_to: datetime.date
    session: Session | None = None

    @property
    def congress_id(self) -> int | None:
        return self.session.term.congress_id if self.session else None

    @property
    def label(self) -> str:
        text = _("%(start)s to %(end)s") % {
            "start": date_format(self.date_from, "DATE_FORMAT"),
            "end": date_format(self.date_to, "DATE_FORMAT"),
        }
        if self.session is not None:
            return _("%(session)s (%(dates)s)") % {"session": self.session, "dates": text}
        return text

    @property
    def slug(self) -> str:
        """The period in file names: 20260101-20261231."""
        return f"{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}"


def period_of_year(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def period_of_session(session: Session, *, today: datetime.date | None = None) -> Period:
    """From the session's opening to the day before the congress's next session opens (the year of
    handling that the report to the Standing Committee covers, 003 §26); while there is no next
    session, to today (or the closing day, when that is later)."""
    today = today or timezone.localdate()
    following = (
        Session.objects.filter(term__congress_id=session.term.congress_id, start_date__gt=session.start_date)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    end = following - datetime.timedelta(days=1) if following else max(today, session.end_date)
    return Period(session.start_date, end, session)


def sessions_for(user) -> QuerySet[Session]:
    """The sessions whose period a user may choose: of the congresses in their region subtrees, and
    for unit staff, of the congresses at and above their unit's region. The user's own congresses
    first, then the most recent."""
    scope = scope_for(user)
    q = scope.region_q("term__congress__region__path") if scope.region_paths else Q(pk__in=[])
    if scope.unit_ids:
        paths = set()
        for path in HandlingUnit.objects.filter(pk__in=sorted(scope.unit_ids)).values_list("region__path", flat=True):
            paths.update(path_prefixes(path))
        q |= Q(term__congress__region__path__in=sorted(paths))
    return (
        Session.objects.filter(q)
        .select_related("term__congress")
        .order_by("term__congress__region__depth", "-start_date", "-id")
    )


def regions_for(user) -> list[tuple[int, str, int]]:
    """(id, name, depth) of the regions with a congress in the user's subtrees, for the region filter."""
    scope = scope_for(user)
    if not scope.region_paths:
        return []
    return list(
        Region.objects.filter(scope.region_q("path"))
        .exclude(level=Level.VILLAGE)
        .order_by("path")
        .values_list("id", "name", "depth")[:2000]
    )


# --- the figures ------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    assigned_lead: int = 0
    assigned_co: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0
    extensions_asked: int = 0
    extensions_approved: int = 0
    class_a: int = 0
    class_b: int = 0
    class_c: int = 0
    open_commitments: int = 0
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    rehandled: int = 0

    def add(self, other: "Figures") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def classed(self) -> int:
        return self.class_a + self.class_b + self.class_c

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def answered_rate(self) -> float | None:
        return _rate(self.answered, self.assigned_lead)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.answered)

    @property
    def share_a(self) -> float | None:
        return _rate(self.class_a, self.classed)

    @property
    def share_b(self) -> float | None:
        return _rate(self.class_b, self.classed)

    @property
    def share_c(self) -> float | None:
        return _rate(self.class_c, self.classed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied + self.basically, self.rated)


@dataclass
class Row:
    key: int | None  # the unit's or the organ's id (None: no organ recorded)
    name: str
    place: str = ""  # the unit's region, the organ's congress
    figures: Figures = field(default_factory=Figures)


@dataclass
class HandlingReport:
    kind: str
    by: str
    period: Period
    rows: list[Row]
    totals: Figures


# --- the population ---------------------------------------------------------------------------------


def assigned_in(kind: str, period: "Period") -> QuerySet:
    """The ids of the items assigned in the period: their first-round lead assignment (the one the
    lead unit holds) is dated in it. Not `Suggestion.assigned_on`, which a re-handling moves to its own
    day and a lead unit's return clears."""
    return (
        Assignment.objects.filter(
            role=LEAD,
            round=1,
            status__in=HELD,
            assigned_on__range=(period.date_from, period.date_to),
            **{f"{kind}__isnull": False},
        )
        .order_by()
        .values(f"{kind}_id")
    )


def _population_q(*, kind: str, period: Period, scope: Scope, region_path: str = "", unit_id: int | None = None) -> Q:
    """The held assignments (every role and round) of the items assigned in the period, within the
    user's scope: the items of their region subtrees, and their own units' assignments."""
    in_scope = Q(pk__in=[])
    if scope.region_paths:
        in_scope |= scope.region_q(f"{kind}__region_path")
    if scope.unit_ids:
        in_scope |= Q(unit_id__in=sorted(scope.unit_ids))
    q = Q(**{f"{kind}_id__in": assigned_in(kind, period)}) & Q(status__in=HELD) & in_scope
    if period.congress_id:
        q &= Q(**{f"{kind}__congress_id": period.congress_id})
    if region_path:
        q &= path_prefix_q(f"{kind}__region_path", region_path)
    if unit_id is not None:
        q &= Q(unit_id=unit_id)
    return q


@functools.cache
def _fixed_offset(zone_key: str) -> int | None:
    """The time zone's UTC offset in seconds when it is the same all year round from 2000 to 2100
    (Asia/Shanghai: +8 hours), else None."""
    zone = zoneinfo.ZoneInfo(zone_key)
    offsets = {
        datetime.datetime(year, month, 1, tzinfo=zone).utcoffset() for year in range(2000, 2101) for month in (1, 7)
    }
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


class LocalDate(TruncDate):
    """The date of a moment in the current time zone. On SQLite, for a zone without daylight saving
    time, SQLite's own date(…, '+28800 seconds') instead of Django's per-row Python function (which
    costs more than the rest of the report's arithmetic together)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        zone = timezone.get_current_timezone()
        offset = _fixed_offset(zone.key) if isinstance(zone, zoneinfo.ZoneInfo) and settings.USE_TZ else None
        if offset is None:
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{offset:+d} seconds")


def _previous_class(kind: str):
    """The class of the reply of the item's previous round (that a re-handling round's reply supersedes)."""
    return Subquery(
        Reply.objects.filter(
            **{f"assignment__{kind}": OuterRef(kind)},
            assignment__role=LEAD,
            assignment__round=OuterRef("round") - 1,
            assignment__status__in=HELD,
            kind=Reply.Kind.ANSWER,
        )
        .order_by()
        .values("answer_class")[:1]
    )


def _count(queryset) -> Subquery:
    """COUNT(*) of a correlated queryset as a scalar subquery (one row, no GROUP BY)."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n"), output_field=IntegerField()
    )


def _sum(subquery, condition: Q):
    return Coalesce(Sum(subquery, filter=condition), 0)


GROUP_FIELDS = {
    "unit": ["unit", "unit__name", "unit__region__name", "unit__region__path"],
    "organ": [
        "suggestion__assigning_organ",
        "suggestion__assigning_organ__name",
        "suggestion__assigning_organ__congress__name",
    ],
}


def _figures_query(*, kind, group: list[str], population: Q, today) -> QuerySet:
    """One pass over the population's assignments, grouped by `group` (unit, organ or both: the
    figures are counts, which add up across groups). Counts of other tables
    (extensions, commitments, ratings) are correlated subqueries on the lead unit's rows only: one
    scan of the assignments, however many tables are counted."""
    lead = Q(role=LEAD)
    first_lead = lead & Q(round=1)
    replied = first_lead & Q(replied_at__isnull=False)
    # Cheap tests first: the correlated subqueries run only for the rows that pass them.
    answered = lead & Q(replied_at__isnull=False)
    superseding = answered & Q(round__gte=2)
    classes = {}
    for c in Reply.AnswerClass.values:
        # every answer of the class, less the ones a later round's answer superseded
        classes[f"class_{c.lower()}"] = Count("id", filter=answered & Q(answer__answer_class=c))
        classes[f"superseded_{c.lower()}"] = Count("id", filter=superseding & Q(previous_class=c))
    # The ratings that stand are those of the item's current round, given to the lead unit that replied in it.
    rated = answered & Q(round=F("suggestion__round")) if kind == "suggestion" else answered
    ratings = Evaluation.objects.filter(**{kind: OuterRef(kind)}, round=OuterRef("round"))
    extensions = Extension.objects.filter(assignment=OuterRef("pk"))
    commitments = Commitment.objects.filter(
        reply__assignment=OuterRef("pk"),
        reply__kind=Reply.Kind.ANSWER,
        reply__answer_class=Reply.AnswerClass.B,
        fulfilled_at__isnull=True,
    )
    return (
        Assignment.objects.filter(population)
        .alias(
            replied_day=LocalDate("replied_at"),
            previous_class=_previous_class(kind),
            answer=FilteredRelation("replies", condition=Q(replies__kind=Reply.Kind.ANSWER)),
        )
        .values(*group)
        .annotate(
            assigned_lead=Count("id", filter=first_lead),
            assigned_co=Count("id", filter=Q(role=CO, round=1)),
            answered=Count("id", filter=replied),
            on_time=Count("id", filter=replied & Q(replied_day__lte=F("deadline"))),
            overdue=Count("id", filter=lead & Q(status__in=LIVE) & Q(deadline__lt=today)),
            **classes,
            # one held lead assignment per round: its second round is the item's re-handling
            rehandled=Count("id", filter=lead & Q(round=2)),
            extensions_asked=_sum(_count(extensions), lead),
            extensions_approved=_sum(_count(extensions.filter(status=Extension.Status.APPROVED)), lead),
            open_commitments=_sum(_count(commitments), lead & Q(answer__answer_class=Reply.AnswerClass.B)),
            satisfied=_sum(_count(ratings.filter(satisfaction=Satisfaction.SATISFIED)), rated),
            basically=_sum(_count(ratings.filter(satisfaction=Satisfaction.BASICALLY)), rated),
            dissatisfied=_sum(_count(ratings.filter(satisfaction=Satisfaction.DISSATISFIED)), rated),
        )
        .order_by()
    )


def fetch(queryset) -> list:
    """The rows of a report query. On PostgreSQL without JIT compilation: the planner's estimate for
    the correlated counts passes jit_above_cost, and compiling them took 2.7 s for a query that runs
    in 90 ms (a prefecture's year)."""
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return list(queryset)


def _check(kind: str, by: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if by not in GROUPINGS or (by == "organ" and kind != "suggestion"):
        raise ValueError(f"cannot group {kind} by {by!r}")


def _figures_of(values: dict, names: set[str]) -> Figures:
    figures = Figures(**{k: v for k, v in values.items() if k in names})
    for c in ("a", "b", "c"):  # every answer of the class, less those a later round's answer superseded
        setattr(figures, f"class_{c}", values[f"class_{c}"] - values[f"superseded_{c}"])
    return figures


def _report_of(*, kind: str, by: str, period: Period, groups: list[dict]) -> HandlingReport:
    """The report per unit or per organ from rows grouped by that and maybe more (summed here)."""
    key, name_field, place_field, *_rest = GROUP_FIELDS[by]
    names = {f.name for f in fields(Figures)}
    merged: dict = {}
    for values in groups:
        row = merged.get(values[key])
        if row is None:
            name = values[name_field] or _("(no organ recorded)")
            # by unit: region by region in the tree's order, then by name; by organ: by name
            order = (values["unit__region__path"], name) if by == "unit" else (values[name_field] is None, name)
            row = merged[values[key]] = (order, Row(values[key], name, values[place_field] or ""))
        row[1].figures.add(_figures_of(values, names))
    rows = [row for _order, row in sorted(merged.values(), key=lambda pair: pair[0])]
    totals = Figures()
    for row in rows:
        totals.add(row.figures)
    return HandlingReport(kind=kind, by=by, period=period, rows=rows, totals=totals)


def handling_report(
    *,
    user,
    period: Period,
    by: str = "unit",
    kind: str = "suggestion",
    region_path: str = "",
    unit_id: int | None = None,
    today: datetime.date | None = None,
) -> HandlingReport:
    """The handling figures per unit (`by="unit"`) or per assigning organ (`by="organ"`, suggestions
    only) with their totals. One query (and on PostgreSQL the JIT switched off for it), whatever the size
    of the data. `region_path` narrows to a
    region inside the user's scope; `unit_id` to one unit."""
    return handling_reports(
        user=user, period=period, bys=(by,), kind=kind, region_path=region_path, unit_id=unit_id, today=today
    )[by]


def handling_reports(
    *,
    user,
    period: Period,
    bys: tuple[str, ...] = ("unit", "organ"),
    kind: str = "suggestion",
    region_path: str = "",
    unit_id: int | None = None,
    today: datetime.date | None = None,
) -> dict[str, HandlingReport]:
    """The report per unit and per organ (what the page, the .xlsx show) from one pass over the
    assignments, grouped by unit and organ together and summed each way: half the work of two."""
    for by in bys:
        _check(kind, by)
    today = today or timezone.localdate()
    population = _population_q(
        kind=kind, period=period, scope=scope_for(user), region_path=region_path, unit_id=unit_id
    )
    group = [f for by in bys for f in GROUP_FIELDS[by]]
    groups = fetch(_figures_query(kind=kind, group=group, population=population, today=today))
    return {by: _report_of(kind=kind, by=by, period=period, groups=groups) for by in bys}


# --- the items behind the figures ----------------------------------------------------------------------


def _item_assignments(*, user, kind, period, region_path="", unit_id=None) -> QuerySet[Assignment]:
    scope = scope_for(user)
    q = _population_q(kind=kind, period=period, scope=scope, region_path=region_path, unit_id=unit_id)
    answers = Reply.objects.filter(assignment=OuterRef("pk"), kind=Reply.Kind.ANSWER).order_by("-created_at")
    return (
        Assignment.objects.filter(q)
        .select_related(kind, "unit")
        .annotate(answer_class=Subquery(answers.values("answer_class")[:1]))
    )


def unit_items(*, user, kind: str, period: Period, unit_id: int, region_path: str = "") -> QuerySet[Assignment]:
    """A unit's assignments behind its row of the report, the earliest assigned first."""
    _check(kind, "unit")
    return _item_assignments(user=user, kind=kind, period=period, region_path=region_path, unit_id=unit_id).order_by(
        "assigned_on", "round", "id"
    )


def overdue_items(*, user, kind: str, period: Period, region_path: str = "", today=None) -> QuerySet[Assignment]:
    """Live lead assignments past the deadline in force, the longest overdue first."""
    _check(kind, "unit")
    today = today or timezone.localdate()
    return (
        _item_assignments(user=user, kind=kind, period=period, region_path=region_path)
        .filter(role=LEAD, status__in=LIVE, deadline__lt=today)
        .order_by("deadline", "id")
    )


def rehandled_items(*, user, kind: str, period: Period, region_path: str = "") -> QuerySet[Assignment]:
    """The lead assignments of re-handling rounds."""
    _check(kind, "unit")
    return (
        _item_assignments(user=user, kind=kind, period=period, region_path=region_path)
        .filter(role=LEAD, round__gte=2)
        .order_by("assigned_on", "id")
    )


def key_supervision_items(*, user, period: Period, region_path: str = "") -> QuerySet[Suggestion]:
    """Suggestions under key supervision (003 §27) assigned in the period, with their lead unit (the
    latest held lead assignment) and the special committee that follows them."""
    scope = scope_for(user)
    q = Q(pk__in=assigned_in("suggestion", period), key_supervision=True)
    in_scope = Q(pk__in=[])
    if scope.region_paths:
        in_scope |= scope.region_q("region_path")
    if scope.unit_ids:
        in_scope |= Exists(
            Assignment.objects.filter(suggestion=OuterRef("pk"), unit_id__in=sorted(scope.unit_ids), status__in=HELD)
        )
    q &= in_scope
    if period.congress_id:
        q &= Q(congress_id=period.congress_id)
    if region_path:
        q &= path_prefix_q("region_path", region_path)
    lead = Assignment.objects.filter(suggestion=OuterRef("pk"), role=LEAD, status__in=HELD).order_by("-round", "-id")
    return (
        Suggestion.objects.filter(q)
        .select_related("supervising_organ")
        .annotate(lead_unit=Subquery(lead.values("unit__name")[:1]))
        .order_by("number", "id")
    )


def unit_visible(*, user, unit_id: int, kind: str = "suggestion") -> HandlingUnit | None:
    """The unit, when the user may open its page: their own unit, a unit of their regions, or a unit
    handling an item of their regions. None otherwise (the view answers 404, as for a missing one)."""
    scope = scope_for(user)
    unit = HandlingUnit.objects.select_related("region").filter(pk=unit_id).first()
    if unit is None:
        return None
    if unit.pk in scope.unit_ids or scope.covers_path(unit.region.path):
        return unit
    if scope.region_paths:
        item = Suggestion if kind == "suggestion" else Motion
        handles = Assignment.objects.filter(
            **{f"{kind}__in": item.objects.filter(scope.region_q("region_path"))}, unit_id=unit.pk
        )
        if handles.exists():
            return unit
    return None
