"""Reads of stations. Public selectors show open stations and the published roster only; staff
selectors are scoped with `scope_for(user)` (liaison officers and leadership: their region subtree;
station staff: their station(s)) and answer a missing and an out-of-scope station alike (NotFound).
Every list is a fixed number of queries whatever the number of rows."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from liaison.accounts.scope import scope_for
from liaison.core.exceptions import NotFound
from liaison.deputies.models import Mandate, Person
from liaison.regions.models import Region

from .models import DutyAssignment, DutySlot, StandardEvidence, StandardItem, Station, StationDeputy

PUBLIC_ROSTER_DAYS = 60


def _search(qs: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()[:50]
    if not query:
        return qs
    return qs.filter(Q(name__icontains=query) | Q(address__icontains=query))


def _filter(qs: QuerySet, *, region: Region | None = None, kind: str = "", query: str = "") -> QuerySet:
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if kind and kind in Station.Kind.values:
        qs = qs.filter(kind=kind)
    return _search(qs, query)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def region_children(region: Region | None) -> list[Region]:
    """Regions one level down (the roots when none is chosen) that have at least one open station."""
    qs = Region.objects.filter(parent=region) if region else Region.objects.filter(parent__isnull=True)
    has_station = Station.objects.filter(is_active=True, region_path__startswith=OuterRef("path"))
    return list(qs.filter(Exists(has_station)).order_by("code"))


# --- public ---------------------------------------------------------------------------------------


def public_station_list(*, region: Region | None = None, kind: str = "", query: str = "") -> QuerySet:
    return _filter(
        Station.objects.filter(is_active=True).select_related("region"), region=region, kind=kind, query=query
    ).order_by("region_path", "name", "pk")


def public_station_get(*, pk) -> Station:
    station = Station.objects.filter(pk=_int(pk) or 0, is_active=True).select_related("region").first()
    if station is None:
        raise NotFound()
    return station


def _serving_mandates() -> Prefetch:
    return Prefetch(
        "mandates",
        queryset=Mandate.objects.filter(status=Mandate.Status.SERVING).select_related("congress").order_by("level"),
        to_attr="serving_mandates",
    )


def station_public_deputies(*, station: Station) -> list[Person]:
    """Deputies assigned to the station who still hold a serving mandate (2 queries)."""
    serving = Mandate.objects.filter(person=OuterRef("pk"), status=Mandate.Status.SERVING)
    return list(
        Person.objects.filter(station_assignments__station=station)
        .filter(Exists(serving))
        .prefetch_related(_serving_mandates())
        .order_by("name_pinyin", "pk")
    )


def published_slots(*, station: Station | None = None) -> QuerySet:
    qs = DutySlot.objects.filter(published_at__isnull=False)
    if station is not None:
        qs = qs.filter(station=station)
    return qs.prefetch_related(Prefetch("deputies", queryset=Person.objects.order_by("name_pinyin", "pk")))


def public_roster(
    *, station: Station, start: datetime.date | None = None, days: int = PUBLIC_ROSTER_DAYS
) -> list[DutySlot]:
    """The published slots from today (or `start`) for the next `days` days (2 queries)."""
    start = start or timezone.localdate()
    end = start + datetime.timedelta(days=days)
    return list(published_slots(station=station).filter(date__gte=start, date__lte=end).order_by("date", "start_time"))


def feed_slots(*, station: Station) -> list[DutySlot]:
    """The iCalendar feed: published slots from 90 days ago on (recent past stays in calendars)."""
    since = timezone.localdate() - datetime.timedelta(days=90)
    return list(published_slots(station=station).filter(date__gte=since).order_by("date", "start_time"))


# --- staff ----------------------------------------------------------------------------------------


def _scoped(user) -> QuerySet:
    scope = scope_for(user)
    condition = Q(pk__in=[])
    if scope.region_paths:
        condition |= scope.region_q("region_path")
    if scope.station_ids:
        condition |= Q(pk__in=scope.station_ids)
    return Station.objects.filter(condition)


def _with_counts(qs: QuerySet) -> QuerySet:
    items_done = (
        StandardEvidence.objects.filter(station=OuterRef("pk"))
        .order_by()
        .values("station")
        .annotate(n=Count("item", distinct=True))
        .values("n")
    )
    deputies = (
        StationDeputy.objects.filter(station=OuterRef("pk"))
        .order_by()
        .values("station")
        .annotate(n=Count("pk"))
        .values("n")
    )
    upcoming = (
        DutySlot.objects.filter(station=OuterRef("pk"), date__gte=timezone.localdate())
        .order_by()
        .values("station")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        items_done=Coalesce(Subquery(items_done, output_field=IntegerField()), 0),
        deputy_count=Coalesce(Subquery(deputies, output_field=IntegerField()), 0),
        upcoming_slots=Coalesce(Subquery(upcoming, output_field=IntegerField()), 0),
    )


def station_list_for(*, user, region: Region | None = None, kind: str = "", query: str = "") -> QuerySet:
    """The stations the user may see, with items done of the standard, deputies and upcoming slots."""
    return (
        _with_counts(_filter(_scoped(user), region=region, kind=kind, query=query))
        .select_related("region")
        .order_by("region_path", "name", "pk")
    )


def station_get_for(*, user, pk) -> Station:
    station = _with_counts(_scoped(user).filter(pk=_int(pk) or 0)).select_related("region").first()
    if station is None:
        raise NotFound()
    return station


def standard_item_count() -> int:
    return StandardItem.objects.count()


@dataclass(frozen=True)
class Completeness:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def __str__(self) -> str:
        return f"{self.done}/{self.total}"


def station_completeness(*, station: Station, total: int | None = None) -> Completeness:
    """Items of the standard with at least one piece of evidence, out of all items (十有: 10)."""
    done = getattr(station, "items_done", None)
    if done is None:
        done = StandardEvidence.objects.filter(station=station).values("item").distinct().count()
    return Completeness(done=done, total=standard_item_count() if total is None else total)


@dataclass
class ChecklistRow:
    item: StandardItem
    evidence: list[StandardEvidence]

    @property
    def done(self) -> bool:
        return bool(self.evidence)


def standard_checklist(*, station: Station) -> list[ChecklistRow]:
    """Each item of the standard with the station's evidence for it (2 queries)."""
    by_item: dict[int, list[StandardEvidence]] = {}
    for ev in StandardEvidence.objects.filter(station=station).select_related("uploaded_by").order_by("-created_at"):
        by_item.setdefault(ev.item_id, []).append(ev)
    return [ChecklistRow(item=item, evidence=by_item.get(item.pk, [])) for item in StandardItem.objects.all()]


def evidence_get_for(*, user, pk) -> StandardEvidence:
    evidence = (
        StandardEvidence.objects.filter(pk=_int(pk) or 0, station__in=_scoped(user))
        .select_related("station", "item")
        .first()
    )
    if evidence is None:
        raise NotFound()
    return evidence


def station_deputies(*, station: Station) -> list[StationDeputy]:
    """Assignments of deputies to the station with each person's serving mandates (2 queries)."""
    return list(
        StationDeputy.objects.filter(station=station)
        .select_related("person")
        .prefetch_related(Prefetch("person__mandates", queryset=_serving_mandates().queryset, to_attr="serving"))
        .order_by("person__name_pinyin", "pk")
    )


def eligible_persons(*, station: Station, query: str = "", limit: int = 20) -> list[Person]:
    """Persons who may be assigned to the station and are not yet, searched by name or pinyin."""
    from .services import eligible_mandates

    query = (query or "").strip()[:50]
    qs = Person.objects.filter(Exists(eligible_mandates(station).filter(person=OuterRef("pk")))).exclude(
        station_assignments__station=station
    )
    if query:
        q = query.lower()
        qs = qs.filter(Q(name__icontains=query) | Q(name_pinyin__startswith=q) | Q(name_initials__startswith=q))
    return list(qs.prefetch_related(_serving_mandates()).order_by("name_pinyin", "pk")[:limit])


def roster_for(*, station: Station, start: datetime.date, end: datetime.date) -> list[DutySlot]:
    """All slots of the station between two dates, drafts included, with their deputies (2 queries)."""
    return list(
        DutySlot.objects.filter(station=station, date__gte=start, date__lte=end)
        .prefetch_related(Prefetch("deputies", queryset=Person.objects.order_by("name_pinyin", "pk")))
        .order_by("date", "start_time")
    )


def slot_get_for(*, user, pk) -> DutySlot:
    slot = DutySlot.objects.filter(pk=_int(pk) or 0, station__in=_scoped(user)).select_related("station").first()
    if slot is None:
        raise NotFound()
    return slot


def slot_list_for(
    *, user, station: Station | None = None, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    qs = DutySlot.objects.filter(station__in=_scoped(user))
    if station is not None:
        qs = qs.filter(station=station)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return (
        qs.select_related("station")
        .prefetch_related(Prefetch("deputies", queryset=Person.objects.order_by("name_pinyin", "pk")))
        .order_by("date", "start_time", "pk")
    )


def deputy_duty(*, person: Person, start: datetime.date, end: datetime.date) -> QuerySet:
    """A deputy's own duty slots (any station) between two dates."""
    return (
        DutyAssignment.objects.filter(person=person, date__gte=start, date__lte=end)
        .select_related("slot__station")
        .order_by("date", "start_time")
    )
