"""Reads of deputies' records: the public directory and deputy page (public fields only), and the
staff lists and pages, scoped to the user (see scoping.py). Out-of-scope and missing records raise
the same NotFound."""

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
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
    """A page of the directory. `count` is exact up to COUNT_CAP; above it `count_capped` is true and
    the number of pages is unknown (None).

    Pages are reached by keyset ("next" carries the sort key of the page's last row, "previous" that of
    its first), so a page deep in the directory costs what the first one costs; the first
    NUMBERED_PAGES pages can also be reached by number (a short OFFSET). `number` is the page's number
    when known: given for a numbered page, carried along by the next/previous links otherwise (it only
    labels the page, it never positions it); None when unknown."""

    entries: list[DirectoryEntry]
    number: int | None
    per_page: int
    count: int
    count_capped: bool = False
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""
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
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number and self.number > 1 else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number else None

    def page_range(self) -> list[int]:
        """The numbered pages offered beside previous/next: 1 … NUMBERED_PAGES (no further than the
        results go), when the current page is one of them; none on a page deeper than that."""
        if self.number is None or self.number > NUMBERED_PAGES:
            return []
        last = self.num_pages or (self.number + 1 if self.has_next else self.number)
        if last <= 1:
            return []
        return list(range(1, min(last, NUMBERED_PAGES) + 1))


NUMBERED_PAGES = 5  # the pages offered by number; any page can be reached by next/previous
MAX_PAGE_NUMBER = 100  # a number beyond this (an old link, a crawler) is served as this page


def cursor_encode(key: tuple[str, int, int]) -> str:
    """The sort key of a row (pinyin, person id, mandate id) as a URL-safe token."""
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(token: str) -> tuple[str, int, int] | None:
    """The sort key in a token, or None for anything that is not one (ignored, never an error)."""
    token = (token or "").strip()
    if not token or len(token) > 400:
        return None
    try:
        pinyin, person_id, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not (isinstance(pinyin, str) and type(person_id) is int and type(pk) is int):
        return None
    return pinyin, person_id, pk


def directory_mandates(filters: DeputyFilters, *, region: Region | None) -> QuerySet[Mandate]:
    """Serving mandates matching the filters, in directory order, all conditions on the mandate table
    (its copied region path, level and name columns) so that an index serves them. The pinyin the rows
    are ordered by is annotated as `sort_pinyin` (the keys of a page are read from it, see keyset_q)."""
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
            return rows.annotate(sort_pinyin=Lower("name_pinyin")).order_by("sort_pinyin", "person_id", "id")
    return rows.annotate(sort_pinyin=F("name_pinyin")).order_by("sort_pinyin", "person_id", "id")


def keyset_q(key: tuple[str, int, int], *, after: bool) -> Q:
    """Rows after (or before) `key` in directory order. Written out rather than as a row comparison
    (Django has no public one), with the leading `sort_pinyin >=` (or `<=`) repeated on its own: that
    bound is what the order index is entered at, so a deep page reads only its own rows."""
    pinyin, person_id, pk = key
    op = "gt" if after else "lt"
    return Q(**{f"sort_pinyin__{op}e": pinyin}) & (
        Q(**{f"sort_pinyin__{op}": pinyin})
        | Q(sort_pinyin=pinyin, **{f"person_id__{op}": person_id})
        | Q(sort_pinyin=pinyin, person_id=person_id, **{f"pk__{op}": pk})
    )


def is_single_letter(q: str) -> bool:
    q = q.strip()
    return len(q) == 1 and q.isascii() and q.isalpha()


def directory_page(
    *,
    filters: DeputyFilters,
    page: int = 1,
    after: str = "",
    before: str = "",
    number: int | None = None,
    per_page: int | None = None,
) -> DirectoryPage:
    """One page of the public directory: the rows after the `after` token, or those before the
    `before` token, or page `page` by number (at most MAX_PAGE_NUMBER). `number` labels a keyset page
    (see DirectoryPage). Queries: the region (when filtered by one), the group and station named in
    the filters, the count (capped), the page's keys (an index-only scan that starts at the key, so as
    cheap deep in the directory as at its start) and the page's rows with their person and congress —
    a constant number. A bad token is ignored (the first page); past the end gives an empty page."""
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
    after_key, before_key = cursor_decode(after), cursor_decode(before)
    if after_key or before_key:
        number = number if number and 1 < number < 10**6 else None
    else:
        page = max(1, min(page, MAX_PAGE_NUMBER))
        if not count_capped:
            page = min(page, max(1, math.ceil(count / per_page)))
        number = page
    keys: list[tuple[str, int, int]] = []
    has_next = has_previous = False
    if count:
        fields = ("sort_pinyin", "person_id", "id")
        if after_key:
            keys = list(rows.filter(keyset_q(after_key, after=True)).values_list(*fields)[: per_page + 1])
            has_next, has_previous = len(keys) > per_page, True
        elif before_key:
            backwards = rows.filter(keyset_q(before_key, after=False)).order_by("-sort_pinyin", "-person_id", "-id")
            keys = list(backwards.values_list(*fields)[: per_page + 1])
            has_previous, has_next = len(keys) > per_page, True
            keys = keys[:per_page][::-1]
        else:
            offset = (number - 1) * per_page
            keys = list(rows.values_list(*fields)[offset : offset + per_page + 1])
            has_next, has_previous = len(keys) > per_page, number > 1
        keys = keys[:per_page]
    entries = directory_entries([pk for _, _, pk in keys])
    return DirectoryPage(
        entries=entries,
        number=number,
        per_page=per_page,
        count=min(count, COUNT_CAP),
        count_capped=count_capped,
        has_next=has_next and bool(keys),
        has_previous=has_previous and bool(keys),
        next_cursor=cursor_encode(keys[-1]) if keys else "",
        previous_cursor=cursor_encode(keys[0]) if keys else "",
        region=region,
        group=group,
        station=station,
        filters=filters,
    )


def directory_entries(ids: list[int]) -> list[DirectoryEntry]:
    """The cards of a page: its mandates with their person and congress (one query), one card per
    person (a person's mandates are adjacent in directory order)."""
    if not ids:
        return []
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
    )
    order = {pk: i for i, pk in enumerate(ids)}
    entries: list[DirectoryEntry] = []
    for mandate in sorted(mandates, key=lambda m: order[m.pk]):
        if entries and entries[-1].person.pk == mandate.person_id:
            entries[-1].mandates.append(mandate)
        else:
            entries.append(DirectoryEntry(person=mandate.person, mandates=[mandate]))
    return entries


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
