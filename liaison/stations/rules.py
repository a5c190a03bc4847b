"""Who may do what with a station, as django-rules predicates checked by views, the API and services.

- liaison officers manage the stations of their region subtree: the station record, its deputies,
  its roster and its evidence;
- station staff manage the roster and the evidence of their own station(s), not the station record
  nor its deputies;
- leadership sees the stations of its region subtree, read-only.
A station outside the user's scope is never "forbidden" but "not found" (the selectors see to that);
these rules decide between "may look" and "may change" inside the scope. (The names avoid Django's own
add_/change_/view_ model permissions, which the admin checks through the auth backends.)"""

import rules

from liaison.accounts.models import Role
from liaison.accounts.rules import is_leadership, is_liaison_officer, is_station_staff
from liaison.accounts.scope import scope_for


def _officer_covers(user, station) -> bool:
    if station is None:
        return False
    return any(
        role.kind == Role.Kind.LIAISON_OFFICER and station.region_path.startswith(role.region.path)
        for role in user.active_roles()
    )


@rules.predicate
def sees_station(user, station) -> bool:
    if not (user and user.is_authenticated) or station is None:
        return False
    scope = scope_for(user)
    return scope.covers_path(station.region_path) or station.pk in scope.station_ids


@rules.predicate
def officer_of_station(user, station) -> bool:
    return bool(user and user.is_authenticated) and _officer_covers(user, station)


@rules.predicate
def staff_of_station(user, station) -> bool:
    if not (user and user.is_authenticated) or station is None:
        return False
    return station.pk in scope_for(user).station_ids


rules.add_perm("stations.use_workspace", is_liaison_officer | is_station_staff | is_leadership)
rules.add_perm("stations.see_station", sees_station)
rules.add_perm("stations.create_station", is_liaison_officer)
rules.add_perm("stations.edit_station", officer_of_station)
rules.add_perm("stations.assign_deputies", officer_of_station)
rules.add_perm("stations.manage_roster", officer_of_station | staff_of_station)
rules.add_perm("stations.manage_evidence", officer_of_station | staff_of_station)


def can(user, perm: str, station=None) -> bool:
    return rules.has_perm(f"stations.{perm}", user, station)
