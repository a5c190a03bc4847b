"""Reads of deputies' records: the public directory and deputy page (public fields only), and the
staff lists and pages, scoped to the user (see scoping.py). Out-of-scope and missing records raise
the same NotFound."""

import math
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Left, Lower

from liaison.core.exceptions import NotFound
from liaison.regions.models import CONGRESS_LEVELS, Level, Region
from liaison.stations.models import Station, StationDeputy

from .models import DeputyGroup, GroupMembership, Household, HouseholdLink, Mandate, Person
from .scoping import (
    NOTHING,
    letters_prefix_q,
    path_prefix_q,
    paths_q,
    person_read_q,
)

PER_PAGE = 24
MAX_PER_PAGE = 100
COUNT_CAP = 2000  # the directory counts exactly up to here ("2000+" above)
BROAD_LEVELS = (Level.PROVINCE, Level.PREFECTURE)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class DeputyFilters:
    """The directory's filters, parsed from GET parameters or API arguments (bad values are dropped,
    never an error)."""

    region: int | None = None
    level: str = ""
    group: int | None = None
    station: int | None = None
    q: str = ""

    @classmethod
    def parse(cls, params) -> "DeputyFilters":
        def as_id(name):
            value = (params.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 12 else None

        level = (params.get("level") or "").strip()
        return cls(
            region=as_id("region"),
            level=level if level in CONGRESS_LEVELS else "",
            group=as_id("group"),
            station=as_id("station"),
            q=(params.get("q") or "").strip()[:50],
        )

    @property
    def is_empty(self) -> bool:
        return not (self.region or self.level or self.group or self.station or self.q)

    def as_params(self) -> dict[str, str]:
        data = {"region": self.region, "level": self.level, "group": self.group, "station": self.station, "q": self.q}
        return {k: str(v) for k, v in data.items() if v}


def name_q(q: str, *, name: str, pinyin: str, initials: str) -> Q:
    """Search by name: Chinese characters match anywhere in the name; Latin letters match the start
    of the full pinyin (zhangsan) or of the initials (zs); anything else matches the name literally."""
    q = q.strip()
    if not q:
        return Q()
    if CJK.search(q):
        return Q(**{f"{name}__contains": q})
    letters = re.sub(r"[\s'’·-]", "", q).lower()
    if letters.isascii() and letters.isalpha():
        if len(letters) == 1:  # one letter: the initials' first letter is the pinyin's first letter
            return letters_prefix_q(pinyin, letters)
        return letters_prefix_q(pinyin, letters) | letters_prefix_q(initials, letters)
    return Q(**{f"{name}__contains": q})


# --------------------------------------------------------------------------------------------------
# Public directory


@dataclass
class DirectoryEntry:
    person: Person
    mandates: list[Mandate]


@dataclass
class DirectoryPage:
    """A page of the directory. `count` is exact up to COUNT_CAP; above it `count_capped` is true,
    the number of pages is unknown (None) and the page links run around the current page."""

    entries: list[DirectoryEntry]
    number: int
    per_page: int
    count: int
    count_capped: bool = False
    has_next: bool = False
    region: Region | None = None
    group: DeputyGroup | None = None
    station: Station | None = None
    filters: DeputyFilters = field(default_factory=DeputyFilters)

    @property
    def num_pages(self) -> int | None:
        if self.count_capped:
            return None
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    def page_range(self) -> list[int | None]:
        """Page numbers around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 40. When the
        count is capped the last page is unknown: 1 … 4 5 [6] 7 …"""
        n = self.number
        if self.num_pages:
            last = self.num_pages
            shown = sorted({1, last, *range(max(1, n - 2), min(last, n + 2) + 1)})
        else:
            shown = sorted({1, *range(max(1, n - 2), n + (2 if self.has_next else 1))})
        out: list[int | None] = []
        for i, p in enumerate(shown):
            if i and p - shown[i - 1] > 1:
                out.append(None)
            out.append(p)
        if not self.num_pages and self.has_next:
            out.append(None)
        return out


def directory_mandates(filters: DeputyFilters, *, region: Region | None) -> QuerySet[Mandate]:
    """Serving mandates matching the filters, in directory order, all conditions on the mandate table
    (its copied region path, level and name columns) so that an index serves them."""
    rows = Mandate.objects.filter(status=Mandate.Status.SERVING)
    if filters.region and region is None:
        return rows.none()
    if region is not None and region.level in BROAD_LEVELS:
        # A province or prefecture holds most of the rows: read the order index and test the path
        # inside it (an expression no index serves), instead of collecting the subtree and sorting it.
        rows = rows.alias(region_prefix=Left("region_path", len(region.path))).filter(region_prefix=region.path)
    elif region is not None:
        rows = rows.filter(path_prefix_q("region_path", region.path))
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.group:
        rows = rows.filter(pk__in=GroupMembership.objects.filter(group_id=filters.group).values("mandate_id"))
    if filters.station:
        rows = rows.filter(person_id__in=StationDeputy.objects.filter(station_id=filters.station).values("person_id"))
    if filters.q:
        rows = rows.filter(name_q(filters.q, name="person_name", pinyin="name_pinyin", initials="name_initials"))
        if not is_single_letter(filters.q):
            # The matches of a name search lie anywhere in the pinyin order (often all near its end):
            # read them through their own indexes and sort them, rather than walking the order index
            # until enough turn up, which a LIMIT tempts the planner to do. Lower() of the (already
            # lower-case) pinyin gives the same order but is served by no index.
            return rows.order_by(Lower("name_pinyin"), "person_id", "id")
    return rows.order_by("name_pinyin", "person_id", "id")


def is_single_letter(q: str) -> bool:
    q = q.strip()
    return len(q) == 1 and q.isascii() and q.isalpha()


def directory_page(*, filters: DeputyFilters, page: int = 1, per_page: int | None = None) -> DirectoryPage:
    """One page of the public directory. Queries: the region (when filtered by one), the group and
    station named in the filters, the count (capped), the page's ids (an index-only scan, cheap even on
    a deep page) and the page's rows with their person and congress — a constant number. A page number
    past the end of a capped result gives an empty page."""
    per_page = max(1, min(per_page or PER_PAGE, MAX_PER_PAGE))
    region = group = station = None
    if filters.region:
        region = Region.objects.filter(pk=filters.region).only("id", "name", "path", "level").first()
    if filters.group:
        group = DeputyGroup.objects.filter(pk=filters.group).only("id", "name").first()
    if filters.station:
        station = Station.objects.filter(pk=filters.station).only("id", "name").first()
    rows = directory_mandates(filters, region=region)
    count = rows.order_by()[: COUNT_CAP + 1].count()  # bounded work, however large the result
    count_capped = count > COUNT_CAP
    if not count_capped:
        page = min(page, max(1, math.ceil(count / per_page)))
    page = max(1, page)
    offset = (page - 1) * per_page
    entries: list[DirectoryEntry] = []
    has_next = False
    if count:
        ids = list(rows.values_list("id", flat=True)[offset : offset + per_page + 1])
        has_next, ids = len(ids) > per_page, ids[:per_page]
        mandates = (
            Mandate.objects.filter(pk__in=ids)
            .select_related("person", "congress")
            .only(
                "id",
                "person_id",
                "congress_id",
                "level",
                "name_pinyin",
                "person__id",
                "person__name",
                "person__gender",
                "person__photo",
                "person__party",
                "person__work_unit",
                "congress__id",
                "congress__name",
            )
            .order_by("name_pinyin", "person_id", "id")
        )
        for mandate in mandates:  # one card per person: a person's mandates are adjacent in this order
            if entries and entries[-1].person.pk == mandate.person_id:
                entries[-1].mandates.append(mandate)
            else:
                entries.append(DirectoryEntry(person=mandate.person, mandates=[mandate]))
    return DirectoryPage(
        entries=entries,
        number=page,
        per_page=per_page,
        count=min(count, COUNT_CAP),
        count_capped=count_capped,
        has_next=has_next,
        region=region,
        group=group,
        station=station,
        filters=filters,
    )


def directory_region_choices(selected: Region | None) -> list[tuple[int, str, int]]:
    """Regions offered by the directory's region menu: every region down to county level, and the
    townships of the county chosen (or of the township's county), so the menu stays short at province
    scale. (id, name, depth) tuples; one query."""
    q = Q(level__in=[Level.PROVINCE, Level.PREFECTURE, Level.COUNTY])
    if selected is not None:
        if selected.level == Level.COUNTY:
            q |= Q(parent_id=selected.pk, level=Level.TOWNSHIP)
        elif selected.level in (Level.TOWNSHIP, Level.VILLAGE):
            ids = selected.path.strip("/").split("/")
            county_ids = ids[:-1] if selected.level == Level.TOWNSHIP else ids[:-2]
            q |= Q(parent_id=int(county_ids[-1]), level=Level.TOWNSHIP) if county_ids else Q()
            q |= Q(pk=selected.pk)
    return list(Region.objects.filter(q).order_by("path").values_list("id", "name", "depth"))


def directory_filter_choices(region: Region | None) -> tuple[list[DeputyGroup], list[Station]]:
    """Groups and stations of the chosen county or township for the directory's menus (none above
    that: a prefecture holds hundreds of each, too many for a menu)."""
    if region is None or region.level in BROAD_LEVELS:
        return [], []
    groups = list(
        DeputyGroup.objects.filter(path_prefix_q("region__path", region.path)).only("id", "name").order_by("name")[:300]
    )
    stations = list(
        Station.objects.filter(path_prefix_q("region_path", region.path), is_active=True)
        .only("id", "name")
        .order_by("name")[:300]
    )
    return groups, stations


@dataclass
class PublicDeputy:
    person: Person
    mandates: list[Mandate]
    memberships: list[GroupMembership]
    stations: list[StationDeputy]

    @property
    def is_serving(self) -> bool:
        return any(m.status == Mandate.Status.SERVING for m in self.mandates)

    @property
    def contacts(self) -> dict[str, str]:
        return self.person.public_contacts()


PUBLIC_PERSON_FIELDS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_year",
    "party",
    "occupation",
    "work_unit",
    "photo",
    "bio",
    *Person.PUBLIC_CONTACT_FIELDS,
    *(f"{f}_public" for f in Person.PUBLIC_CONTACT_FIELDS),
)


def public_deputy_get(*, pk: int) -> PublicDeputy:
    """A deputy's public page: public fields, mandates (current and former), groups of serving
    mandates and stations. A person who never held a mandate is not a deputy: NotFound. Four queries."""
    person = Person.objects.filter(pk=pk).only(*PUBLIC_PERSON_FIELDS).first()
    if person is None:
        raise NotFound()
    mandates = list(
        Mandate.objects.filter(person_id=pk)
        .select_related("congress", "term__congress", "district", "electing_congress", "delegation")
        .order_by("-start_date", "id")
    )
    if not mandates:
        raise NotFound()
    serving_first = sorted(mandates, key=lambda m: (m.status != Mandate.Status.SERVING, -m.start_date.toordinal()))
    memberships = list(
        GroupMembership.objects.filter(mandate__person_id=pk, mandate__status=Mandate.Status.SERVING)
        .select_related("group")
        .order_by("group__name")
    )
    stations = list(
        StationDeputy.objects.filter(person_id=pk, station__is_active=True).select_related("station").order_by("id")
    )
    return PublicDeputy(person=person, mandates=serving_first, memberships=memberships, stations=stations)


def public_photo_person(*, pk: int) -> Person | None:
    """The person whose photo may be shown publicly: one with a photo who held a mandate."""
    return Person.objects.filter(pk=pk, mandates__isnull=False).exclude(photo="").only("id", "photo").first()


# --------------------------------------------------------------------------------------------------
# Staff reads (scoped)


class PersonStatus:
    SERVING = "serving"
    FORMER = "former"
    NONE = "none"
    CHOICES = (SERVING, FORMER, NONE)


def person_list_for(*, user, filters: DeputyFilters, status: str = "") -> QuerySet[Person]:
    """Persons the user may see, with the directory's filters and a status filter: "serving" (holds a
    serving mandate), "former" (had mandates, none serving), "none" (no mandate yet). Ordered by pinyin;
    mandates and their congresses prefetched (the page's query count does not grow with its rows)."""
    rows = Person.objects.filter(person_read_q(user)).select_related("region")
    region = None
    if filters.region:
        region = Region.objects.filter(pk=filters.region).only("id", "path").first()
        if region is None:
            return rows.none()
    mandate_q = Q()
    if region is not None:
        mandate_q &= path_prefix_q("region_path", region.path)
    if filters.level:
        mandate_q &= Q(level=filters.level)
    if filters.group:
        mandate_q &= Q(group_memberships__group_id=filters.group)
    if status == PersonStatus.SERVING:
        mandate_q &= Q(status=Mandate.Status.SERVING)
    if mandate_q:
        matching = Exists(Mandate.objects.filter(mandate_q, person=OuterRef("pk")))
        if region is not None and not (filters.level or filters.group or status == PersonStatus.SERVING):
            matching = matching | path_prefix_q("region__path", region.path)  # kept there, no mandate yet
        rows = rows.filter(matching)
    if filters.station:
        rows = rows.filter(Exists(StationDeputy.objects.filter(person=OuterRef("pk"), station_id=filters.station)))
    if filters.q:
        rows = rows.filter(name_q(filters.q, name="name", pinyin="name_pinyin", initials="name_initials"))
    if status == PersonStatus.FORMER:
        rows = rows.filter(
            Exists(Mandate.objects.filter(person=OuterRef("pk"))),
            ~Exists(Mandate.objects.filter(person=OuterRef("pk"), status=Mandate.Status.SERVING)),
        )
    elif status == PersonStatus.NONE:
        rows = rows.filter(~Exists(Mandate.objects.filter(person=OuterRef("pk"))))
    return rows.prefetch_related(
        Prefetch(
            "mandates",
            queryset=Mandate.objects.select_related("congress", "term").order_by("status", "-start_date"),
        )
    ).order_by("name_pinyin", "id")


def person_get_for(*, user, pk: int) -> Person:
    person = Person.objects.filter(person_read_q(user), pk=pk).select_related("region").first()
    if person is None:
        raise NotFound()
    return person


def person_mandates(person: Person) -> list[Mandate]:
    return list(
        Mandate.objects.filter(person=person)
        .select_related("congress", "term__congress", "district", "electing_congress", "delegation")
        .prefetch_related(Prefetch("history", queryset=_history_qs()))
        .order_by("status", "-start_date")
    )


def _history_qs():
    from .models import MandateStatusChange

    return MandateStatusChange.objects.select_related("recorded_by").order_by("date", "id")


def person_memberships(person: Person) -> list[GroupMembership]:
    return list(
        GroupMembership.objects.filter(mandate__person=person)
        .select_related("group", "mandate__congress")
        .order_by("group__name")
    )


def person_stations(person: Person) -> list[StationDeputy]:
    return list(StationDeputy.objects.filter(person=person).select_related("station").order_by("id"))


def person_households(person: Person) -> list[HouseholdLink]:
    return list(HouseholdLink.objects.filter(person=person).select_related("household").order_by("household__kind"))


def mandate_get_for(*, user, pk: int) -> Mandate:
    mandate = (
        Mandate.objects.filter(pk=pk, person__in=Person.objects.filter(person_read_q(user)))
        .select_related("person", "congress__region", "term__congress", "district", "electing_congress", "delegation")
        .first()
    )
    if mandate is None:
        raise NotFound()
    return mandate


def group_read_q(user) -> Q:
    from liaison.accounts.scope import scope_for

    scope = scope_for(user)
    parts = []
    if scope.region_paths:
        parts.append(paths_q("region__path", scope.region_paths))
    if scope.station_ids:
        parts.append(Q(station_id__in=sorted(scope.station_ids)))
    if scope.person_ids:
        parts.append(
            Exists(
                GroupMembership.objects.filter(group=OuterRef("pk"), mandate__person_id__in=sorted(scope.person_ids))
            )
        )
    if not parts:
        return NOTHING
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def group_list_for(*, user, q: str = "", region: int | None = None) -> QuerySet[DeputyGroup]:
    from django.db.models import Count

    rows = DeputyGroup.objects.filter(group_read_q(user)).select_related("region", "station")
    if q:
        rows = rows.filter(name__contains=q.strip())
    if region:
        reg = Region.objects.filter(pk=region).only("path").first()
        rows = rows.filter(path_prefix_q("region__path", reg.path)) if reg else rows.none()
    return rows.annotate(member_count=Count("memberships")).order_by("region__path", "name")


def group_get_for(*, user, pk: int) -> DeputyGroup:
    group = DeputyGroup.objects.filter(group_read_q(user), pk=pk).select_related("region", "station").first()
    if group is None:
        raise NotFound()
    return group


def group_members(group: DeputyGroup) -> list[GroupMembership]:
    order = {"leader": 0, "deputy_leader": 1, "member": 2}
    rows = list(GroupMembership.objects.filter(group=group).select_related("mandate__congress", "mandate__person"))
    return sorted(rows, key=lambda m: (order.get(m.position, 3), m.mandate.name_pinyin))


def household_read_q(user) -> Q:
    from liaison.accounts.scope import scope_for

    scope = scope_for(user)
    parts = []
    if scope.region_paths:
        parts.append(paths_q("region__path", scope.region_paths))
    linked_to = Q()
    if scope.station_ids:
        linked_to |= Q(
            person__in=StationDeputy.objects.filter(station_id__in=sorted(scope.station_ids)).values("person_id")
        )
    if scope.person_ids:
        linked_to |= Q(person_id__in=sorted(scope.person_ids))
    if linked_to:
        parts.append(Exists(HouseholdLink.objects.filter(linked_to, household=OuterRef("pk"))))
    if not parts:
        return NOTHING
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def household_list_for(*, user, kind: str = "", q: str = "") -> QuerySet[Household]:
    rows = Household.objects.filter(household_read_q(user)).select_related("region")
    if kind in Household.Kind.values:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(name__contains=q.strip())
    return rows.prefetch_related(
        Prefetch("links", queryset=HouseholdLink.objects.select_related("person").order_by("since"))
    ).order_by("region__path", "name")


def household_get_for(*, user, pk: int) -> Household:
    household = Household.objects.filter(household_read_q(user), pk=pk).select_related("region").first()
    if household is None:
        raise NotFound()
    return household


def mandate_candidates_for(*, user, q: str, limit: int = 20) -> list[Mandate]:
    """Serving mandates of persons the user may change, found by name (for adding group members)."""
    from .scoping import person_write_q

    return list(
        Mandate.objects.filter(
            name_q(q, name="person_name", pinyin="name_pinyin", initials="name_initials"),
            status=Mandate.Status.SERVING,
            person__in=Person.objects.filter(person_write_q(user)),
        )
        .select_related("congress")
        .order_by("name_pinyin", "person_id", "id")[:limit]
    )


def deputy_candidates_for(*, user, q: str, limit: int = 20) -> list[Person]:
    """Persons with a serving mandate whom the user may change, found by name (for household links)."""
    from .scoping import person_write_q

    return list(
        Person.objects.filter(
            person_write_q(user),
            name_q(q, name="name", pinyin="name_pinyin", initials="name_initials"),
            Exists(Mandate.objects.filter(person=OuterRef("pk"), status=Mandate.Status.SERVING)),
        ).order_by("name_pinyin", "id")[:limit]
    )
