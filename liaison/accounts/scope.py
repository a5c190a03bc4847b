"""What part of the data a staff user may see. Every staff selector filters through `scope_for(user)`;
an object outside the scope is answered exactly like a missing one (404)."""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q

from .models import Role


def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix` (byte order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def is_broad_path(path: str) -> bool:
    """A province's (/1/) or a prefecture's (/1/2/) subtree: most of the data below it."""
    return path.count("/") <= 3


def path_prefix_q(field: str, prefix: str, *, broad_by_row: bool = False) -> Q:
    """`field` starts with `prefix`, in the form each database answers from an index: a range on
    SQLite (its LIKE ignores a binary index), LIKE 'prefix%' on PostgreSQL (pattern operator class
    index, see Mandate.Meta.indexes). Paths hold only digits and '/', so byte order is safe.

    `broad_by_row`: for a province's or a prefecture's subtree, SQLite tests each row (LIKE) instead
    of the range. Without statistics of the values SQLite takes any range for a small one, reads the
    whole subtree through it and sorts it; tested per row, a list walks an index in its own order and
    stops at the page's last row. PostgreSQL estimates from its statistics and needs no help."""
    if not prefix:
        return Q()
    if connection.vendor == "sqlite" and not (broad_by_row and is_broad_path(prefix)):
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": next_prefix(prefix)})
    return Q(**{f"{field}__startswith": prefix})


@dataclass(frozen=True)
class Scope:
    region_paths: tuple[str, ...] = ()  # subtrees (liaison officer, leadership)
    station_ids: frozenset[int] = field(default_factory=frozenset)  # station staff
    unit_ids: frozenset[int] = field(default_factory=frozenset)  # handling unit staff
    person_ids: frozenset[int] = field(default_factory=frozenset)  # the deputy themself
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.region_paths or self.station_ids or self.unit_ids or self.person_ids)

    def has(self, *kinds: str) -> bool:
        return bool(self.kinds.intersection(kinds))

    def region_q(self, path_lookup: str, *, broad_by_row: bool = False) -> Q:
        """A filter on a materialized region path field (e.g. "region__path" or "region_path");
        `broad_by_row`: see path_prefix_q."""
        if not self.region_paths:
            return Q(pk__in=[])
        return reduce(or_, (path_prefix_q(path_lookup, p, broad_by_row=broad_by_row) for p in self.region_paths))

    def covers_path(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.region_paths)


def _minimal(paths: list[str]) -> tuple[str, ...]:
    """Drop paths inside another path of the list: a county officer who is also a township officer
    in that county needs one prefix, not two."""
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(kept)


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_liaison_scope", None)
    if cached is not None:
        return cached
    roles = user.active_roles()
    scope = Scope(
        region_paths=_minimal(
            [r.region.path for r in roles if r.kind in (Role.Kind.LIAISON_OFFICER, Role.Kind.LEADERSHIP)]
        ),
        station_ids=frozenset(r.station_id for r in roles if r.kind == Role.Kind.STATION_STAFF),
        unit_ids=frozenset(r.unit_id for r in roles if r.kind == Role.Kind.HANDLING_UNIT),
        person_ids=frozenset(r.person_id for r in roles if r.kind == Role.Kind.DEPUTY),
        kinds=frozenset(r.kind for r in roles),
    )
    user._liaison_scope = scope
    return scope
