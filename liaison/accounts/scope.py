"""What part of the data a staff user may see. Every staff selector filters through `scope_for(user)`;
an object outside the scope is answered exactly like a missing one (404)."""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import Role


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

    def region_q(self, path_lookup: str) -> Q:
        """A filter on a materialized region path field (e.g. "region__path" or "region_path")."""
        if not self.region_paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{path_lookup}__startswith": p}) for p in self.region_paths))

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
