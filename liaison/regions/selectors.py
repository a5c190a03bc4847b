"""Reads of the region tree, congresses and handling units.

Staff reads are scoped (`rules.view_paths` / `rules.edit_paths`): an object outside the user's subtree
is answered exactly like a missing one (`NotFound`). Public reads (the API's GET endpoints) cover the
reference data that is public anyway: names, codes, levels, congresses, active handling units.
"""

import threading
import time
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from liaison.core.db.prepared import Prepared
from liaison.core.exceptions import NotFound

from .models import LEVEL_ORDER, Congress, HandlingUnit, Level, Organ, Region, Session, Term, path_ids
from .rules import edit_paths, view_paths

TREE_DEPTH = 2  # levels shown below each root of the tree page before "load more"
TREE_MAX_ROWS = 1500
PARENT_CHOICES_MAX = 1000
# 一府一委两院 first, then the departments.
UNIT_KIND_ORDER = [
    HandlingUnit.Kind.GOVERNMENT,
    HandlingUnit.Kind.SUPERVISION,
    HandlingUnit.Kind.COURT,
    HandlingUnit.Kind.PROCURATORATE,
    HandlingUnit.Kind.DEPARTMENT,
    HandlingUnit.Kind.OTHER,
]


def _path_q(paths: tuple[str, ...] | None, lookup: str) -> Q:
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{lookup}__startswith": p}) for p in paths))


def _paths(user, edit: bool) -> tuple[str, ...] | None:
    return edit_paths(user) if edit else view_paths(user)


_REGION = Prepared(lambda pk: Region.objects.filter(pk=pk).order_by())


def region_by_id(value) -> Region | None:
    """The region named by a filter parameter (an id), or None when absent, malformed or unknown."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    return _REGION.first(pk=pk)


# The nearest region with a congress, at or above a path: "/1/5/23/" → (5, "/1/5/"). Asked for every
# opinion a citizen sends, about any of the places of a province; congresses are set up once a term
# and there are few of them (one per township and above). So each process keeps them all — id → path,
# read in one query — for REGION_CACHE_SECONDS (default 60: other processes see a new congress or a
# moved region within a minute), and drops them at once when it creates a congress or moves a region
# (regions.services). A path is then answered from its own ids, deepest first, with no query.
_congresses: dict[int, str] = {}
_congresses_at: float | None = None
_congresses_lock = threading.Lock()


def clear_congress_cache() -> None:
    global _congresses_at
    with _congresses_lock:
        _congresses_at = None


def _congress_paths() -> dict[int, str]:
    global _congresses, _congresses_at
    now = time.monotonic()
    if _congresses_at is not None and now - _congresses_at <= settings.REGION_CACHE_SECONDS:
        return _congresses
    with _congresses_lock:
        if _congresses_at is None or now - _congresses_at > settings.REGION_CACHE_SECONDS:
            _congresses = dict(Region.objects.filter(congress__isnull=False).order_by().values_list("pk", "path"))
            _congresses_at = now
        return _congresses


def congress_region_above(path: str) -> tuple[int, str] | None:
    """(id, path) of the nearest region at or above `path` that has a congress; None when no region of
    the path has one."""
    congresses = _congress_paths()
    for pk in reversed(path_ids(path)):
        found = congresses.get(pk)
        if found is not None:
            return pk, found
    return None


def region_lineage(region: Region | None) -> list[Region]:
    """The region's ancestors from the root, then the region itself: breadcrumbs (one query; none
    for a root)."""
    if region is None:
        return []
    ids = path_ids(region.path)[:-1]
    by_id = Region.objects.in_bulk(ids) if ids else {}
    return [by_id[i] for i in ids if i in by_id] + [region]


def path_depth(path: str) -> int:
    return path.strip("/").count("/")


def congress_of(region: Region) -> Congress | None:
    """The region's congress, or None (no query when loaded with select_related)."""
    try:
        return region.congress
    except Congress.DoesNotExist:
        return None


# --- regions ------------------------------------------------------------------------------------------


def with_counts(qs: QuerySet) -> QuerySet:
    """Regions with their number of subregions and active units, their congress and its latest term
    number, in the same query."""
    children = (
        Region.objects.filter(parent=OuterRef("pk")).order_by().values("parent").annotate(c=Count("pk")).values("c")
    )
    units = (
        HandlingUnit.objects.filter(region=OuterRef("pk"), is_active=True)
        .order_by()
        .values("region")
        .annotate(c=Count("pk"))
        .values("c")
    )
    term = Term.objects.filter(congress__region=OuterRef("pk")).order_by("-number").values("number")[:1]
    return qs.select_related("congress").annotate(
        child_count=Coalesce(Subquery(children, output_field=IntegerField()), Value(0)),
        unit_count=Coalesce(Subquery(units, output_field=IntegerField()), Value(0)),
        current_term=Subquery(term, output_field=IntegerField()),
    )


def _sort_tree(rows: list[Region], roots: list[Region]) -> list[Region]:
    """Depth-first order, siblings by division code."""
    by_parent: dict[int | None, list[Region]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    for siblings in by_parent.values():
        siblings.sort(key=lambda r: (r.code, r.name))
    ordered: list[Region] = []

    def walk(node: Region) -> None:
        ordered.append(node)
        for child in by_parent.get(node.pk, []):
            walk(child)

    row_by_pk = {r.pk: r for r in rows}
    for root in sorted(roots, key=lambda r: (r.code, r.name)):
        if root.pk in row_by_pk:
            walk(row_by_pk[root.pk])
    return ordered


@dataclass
class Tree:
    rows: list[Region]
    truncated: bool = False


def region_tree_for(*, user, depth: int = TREE_DEPTH) -> Tree:
    """The user's subtrees, `depth` levels below each root. Each row gets `indent` (depth below its
    root) and `expanded` (its children are in the list)."""
    paths = view_paths(user)
    roots = list(Region.objects.filter(parent__isnull=True) if paths is None else Region.objects.filter(path__in=paths))
    if not roots:
        return Tree(rows=[])
    q = reduce(or_, (Q(path__startswith=r.path, depth__lte=r.depth + depth) for r in roots))
    rows = list(with_counts(Region.objects.filter(q)).order_by("path")[: TREE_MAX_ROWS + 1])
    truncated = len(rows) > TREE_MAX_ROWS
    rows = _sort_tree(rows[:TREE_MAX_ROWS], roots)
    root_depth = {r.path: r.depth for r in roots}
    for row in rows:
        base = next((d for p, d in root_depth.items() if row.path.startswith(p)), 0)
        row.indent = row.depth - base
        row.expanded = row.depth < base + depth
    return Tree(rows=rows, truncated=truncated)


def _base_depth(user, path: str) -> int:
    paths = view_paths(user)
    if paths is None:
        return 0
    return min((path_depth(p) for p in paths if path.startswith(p)), default=0)


def region_children_for(*, user, pk: int) -> tuple[Region, list[Region]]:
    """One region's direct subregions (for expanding a node of the tree)."""
    region = region_get_for(user=user, pk=pk)
    children = list(with_counts(Region.objects.filter(parent=region)).order_by("code", "name")[:TREE_MAX_ROWS])
    base = _base_depth(user, region.path)
    for child in children:
        child.indent = child.depth - base
        child.expanded = False
    return region, children


def region_search_for(*, user, q: str) -> QuerySet:
    """Regions in the user's scope whose name contains `q` or whose code starts with it."""
    q = (q or "").strip()
    qs = Region.objects.filter(_path_q(view_paths(user), "path"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return with_counts(qs.select_related("parent")).order_by("path")


def region_get_for(*, user, pk, edit: bool = False) -> Region:
    region = Region.objects.filter(_path_q(_paths(user, edit), "path"), pk=pk).select_related("parent").first()
    if region is None:
        raise NotFound()
    return region


def region_parent_choices_for(*, user, region: Region | None = None, level: str | None = None, near=None) -> QuerySet:
    """Regions the user may hang `region` (or a new region of `level`) under: in their edit scope,
    above its level, outside its own subtree; the current parent always stays selectable.

    A whole province offers thousands of townships; when the list would pass PARENT_CHOICES_MAX, it
    is narrowed to the neighbourhood (the subtree of the grandparent) of `near`, the current or the
    proposed parent."""
    qs = Region.objects.filter(_path_q(edit_paths(user), "path"))
    level = region.level if region is not None else level
    if level:
        above = [lv.value for lv in LEVEL_ORDER[: LEVEL_ORDER.index(Level(level))]]
        qs = qs.filter(level__in=above)
    else:
        qs = qs.exclude(level=Level.VILLAGE)
    if region is not None:
        qs = qs.exclude(path__startswith=region.path)
        near = near or region.parent
    if near is not None and qs.count() > PARENT_CHOICES_MAX:
        ids = near.path.strip("/").split("/")
        around = "/" + "/".join(ids[:-1]) + "/" if len(ids) > 1 else near.path
        qs = qs.filter(path__startswith=around)
    if region is not None and region.parent_id:
        qs = Region.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk=region.parent_id))
    return qs.order_by("path")


# --- detail -------------------------------------------------------------------------------------------


@dataclass
class RegionDetail:
    region: Region
    ancestors: list[Region]
    children: list[Region]
    congress: Congress | None
    terms: list[Term] = field(default_factory=list)
    organs: list[Organ] = field(default_factory=list)
    units: list[HandlingUnit] = field(default_factory=list)


def region_detail_for(*, user, pk) -> RegionDetail:
    """A region with everything the detail page shows, in a constant number of queries."""
    region = with_counts(Region.objects.filter(_path_q(view_paths(user), "path"), pk=pk)).first()
    if region is None:
        raise NotFound()
    ancestors = region_lineage(region)[:-1]
    children = list(with_counts(Region.objects.filter(parent=region)).order_by("code", "name"))
    congress = congress_of(region)
    terms: list[Term] = []
    organs: list[Organ] = []
    if congress is not None:
        terms = list(
            Term.objects.filter(congress=congress)
            .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("number")))
            .order_by("-number")
        )
        organs = list(Organ.objects.filter(congress=congress).select_related("parent").order_by("kind", "name"))
    kind_rank = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(UNIT_KIND_ORDER)),
        default=Value(len(UNIT_KIND_ORDER)),
        output_field=IntegerField(),
    )
    units = list(
        HandlingUnit.objects.filter(region=region).select_related("parent").order_by("-is_active", kind_rank, "name")
    )
    return RegionDetail(
        region=region,
        ancestors=ancestors,
        children=children,
        congress=congress,
        terms=terms,
        organs=organs,
        units=units,
    )


# --- congresses, terms, sessions, organs, units -------------------------------------------------------


def _get_in_scope(model, *, user, pk, edit: bool, region_path: str, related: tuple[str, ...]):
    """One record whose region (reached through `region_path`) lies in the user's scope; a missing
    record and one outside the scope raise the same NotFound."""
    obj = model.objects.filter(_path_q(_paths(user, edit), region_path), pk=pk).select_related(*related).first()
    if obj is None:
        raise NotFound()
    return obj


def congress_get_for(*, user, pk, edit: bool = False) -> Congress:
    return _get_in_scope(Congress, user=user, pk=pk, edit=edit, region_path="region__path", related=("region",))


def term_get_for(*, user, pk, edit: bool = False) -> Term:
    return _get_in_scope(
        Term, user=user, pk=pk, edit=edit, region_path="congress__region__path", related=("congress__region",)
    )


def session_get_for(*, user, pk, edit: bool = False) -> Session:
    return _get_in_scope(
        Session,
        user=user,
        pk=pk,
        edit=edit,
        region_path="term__congress__region__path",
        related=("term__congress__region",),
    )


def organ_get_for(*, user, pk, edit: bool = False) -> Organ:
    return _get_in_scope(
        Organ,
        user=user,
        pk=pk,
        edit=edit,
        region_path="congress__region__path",
        related=("congress__region", "parent"),
    )


def unit_get_for(*, user, pk, edit: bool = False) -> HandlingUnit:
    return _get_in_scope(
        HandlingUnit, user=user, pk=pk, edit=edit, region_path="region__path", related=("region", "parent")
    )


def organ_parent_choices(*, congress: Congress, organ: Organ | None = None) -> QuerySet:
    qs = Organ.objects.filter(congress=congress).order_by("kind", "name")
    return qs.exclude(pk=organ.pk) if organ is not None else qs


def unit_parent_choices(*, region: Region, unit: HandlingUnit | None = None) -> QuerySet:
    qs = HandlingUnit.objects.filter(region=region, is_active=True).order_by("kind", "name")
    return qs.exclude(pk=unit.pk) if unit is not None else qs


def unit_list_for(*, user, region_pk=None, q: str = "", include_inactive: bool = True) -> QuerySet:
    qs = HandlingUnit.objects.filter(_path_q(view_paths(user), "region__path")).select_related("region", "parent")
    if region_pk is not None:
        qs = qs.filter(region_id=region_pk)
    if q:
        qs = qs.filter(name__icontains=q)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("region__path", "name")


# --- public reads (API) -------------------------------------------------------------------------------


def public_region_list(*, parent_id: int | None = None, q: str = "", level: str | None = None) -> QuerySet:
    """Regions by parent (top level when no parent and no search), or searched by name or code."""
    qs = Region.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
        if parent_id is not None:
            qs = qs.filter(parent_id=parent_id)
    elif parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    else:
        qs = qs.filter(parent__isnull=True)
    if level:
        qs = qs.filter(level=level)
    return with_counts(qs).order_by("code", "pk")


def public_region_get(*, pk: int) -> Region:
    region = with_counts(Region.objects.filter(pk=pk)).first()
    if region is None:
        raise NotFound()
    return region


def public_congress_list(*, region_id: int | None = None, level: str | None = None, within: int | None = None):
    qs = Congress.objects.select_related("region")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if within is not None:
        root = Region.objects.filter(pk=within).only("path").first()
        if root is None:
            raise NotFound()
        qs = qs.filter(region__path__startswith=root.path)
    if level:
        qs = qs.filter(level=level)
    return qs.prefetch_related(
        Prefetch(
            "terms",
            queryset=Term.objects.order_by("-number").prefetch_related(
                Prefetch("sessions", queryset=Session.objects.order_by("number"))
            ),
        )
    ).order_by("region__path")


def public_congress_get(*, pk: int) -> Congress:
    congress = public_congress_list().filter(pk=pk).first()
    if congress is None:
        raise NotFound()
    return congress


def public_unit_list(
    *, region_id: int | None = None, within: int | None = None, q: str = "", kind: str | None = None
) -> QuerySet:
    qs = HandlingUnit.objects.filter(is_active=True).select_related("region")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if within is not None:
        root = Region.objects.filter(pk=within).only("path").first()
        if root is None:
            raise NotFound()
        qs = qs.filter(region__path__startswith=root.path)
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("region__path", "name", "pk")
