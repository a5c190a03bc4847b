"""Which persons, mandates, groups and households a user may see (read scope) or change (write scope),
as query filters. Reads follow `accounts.scope.scope_for`: a liaison officer or leader sees a region
subtree, station staff the deputies of their station, a deputy themself, anyone else nothing. Writes
belong to liaison officers only, in the subtrees of their liaison-officer roles (a leadership role
never widens what a user may change)."""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q

from liaison.accounts.models import Role
from liaison.accounts.scope import next_prefix, path_prefix_q, scope_for

NOTHING = Q(pk__in=[])


def letters_prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix` for lower-case ASCII letters (pinyin), as a range that a normal
    index serves on every database and collation: 'zh' → 'zh' <= field < 'zi'. Trailing 'z's are not
    incremented (the next character is punctuation, which some collations ignore): 'liz' → < 'lj'."""
    if not prefix:
        return Q()
    lower = Q(**{f"{field}__gte": prefix})
    base = prefix.rstrip("z")
    if not base:
        return lower
    return lower & Q(**{f"{field}__lt": next_prefix(base)})


def paths_q(field: str, paths) -> Q:
    paths = list(paths)
    if not paths:
        return NOTHING
    return reduce(or_, (path_prefix_q(field, p) for p in paths))


def officer_paths(user) -> tuple[str, ...]:
    """The region subtrees where `user` may change deputies' records (liaison-officer roles only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    return tuple(sorted({r.region.path for r in user.active_roles() if r.kind == Role.Kind.LIAISON_OFFICER}))


def is_officer(user) -> bool:
    return bool(officer_paths(user))


def covers(paths, path: str) -> bool:
    return any(path.startswith(p) for p in paths)


def person_region_q(paths) -> Q:
    """Persons kept by a region in `paths` or holding a mandate (any status) there."""
    from .models import Mandate

    if not paths:
        return NOTHING
    return paths_q("region__path", paths) | Exists(
        Mandate.objects.filter(paths_q("region_path", paths), person=OuterRef("pk"))
    )


def person_read_q(user) -> Q:
    from liaison.stations.models import StationDeputy

    scope = scope_for(user)
    parts = []
    if scope.region_paths:
        parts.append(person_region_q(scope.region_paths))
    if scope.station_ids:
        parts.append(
            Exists(StationDeputy.objects.filter(person=OuterRef("pk"), station_id__in=sorted(scope.station_ids)))
        )
    if scope.person_ids:
        parts.append(Q(pk__in=sorted(scope.person_ids)))
    return reduce(or_, parts) if parts else NOTHING


def person_write_q(user) -> Q:
    return person_region_q(officer_paths(user))
