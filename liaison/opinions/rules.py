"""Who may see and act on an opinion. `visible_q` is the one filter every staff list goes through;
`capacities` says in what capacity a user stands towards one opinion (see workflow.py), and the
workflow table says what each capacity may do in each state."""

from functools import reduce
from operator import or_

import rules
from django.db.models import Exists, OuterRef, Q

from liaison.accounts.rules import is_deputy, is_leadership, is_liaison_officer, is_station_staff, is_unit_staff
from liaison.accounts.scope import scope_for

from .models import Assignment, Opinion
from .workflow import LIVE_ASSIGNMENT

rules.add_perm(
    "opinions.use_workspace", is_liaison_officer | is_station_staff | is_leadership | is_deputy | is_unit_staff
)
rules.add_perm("opinions.triage", is_liaison_officer | is_station_staff | is_leadership)
rules.add_perm("opinions.register", is_liaison_officer | is_station_staff | is_deputy)
rules.add_perm("opinions.unit_queue", is_unit_staff)
rules.add_perm("opinions.manage_categories", is_liaison_officer)


def can(user, perm: str, obj=None) -> bool:
    return rules.has_perm(f"opinions.{perm}", user, obj)


def visible_q(user) -> Q:
    """Opinions a staff user may see: of their region subtree (where the matter is or whose queue
    holds it), of their stations, received by them as a deputy, or assigned to their unit."""
    scope = scope_for(user)
    parts = []
    if scope.region_paths:
        # Where the matter is. The queue's region is always that region or one above it (the
        # `opinion_queue_above_region` constraint), so an opinion queued in the user's subtree is
        # about a place in it too: one range on one indexed path, not an OR of two.
        parts.append(scope.region_q("region_path", broad_by_row=True))
    if scope.station_ids:
        parts.append(Q(station_id__in=scope.station_ids))
    if scope.person_ids:
        parts.append(Q(received_by_id__in=scope.person_ids))
    if scope.unit_ids:
        parts.append(Exists(Assignment.objects.filter(opinion=OuterRef("pk"), unit_id__in=scope.unit_ids)))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def _is_handler(user, opinion: Opinion) -> bool:
    scope = scope_for(user)
    if scope.has("liaison_officer") and any(
        opinion.queue_path.startswith(r.region.path) for r in user.active_roles() if r.kind == "liaison_officer"
    ):
        return True
    # Station staff handle what their station collected until it is escalated out of their hands.
    return opinion.station_id in scope.station_ids and opinion.escalations == 0


def capacities(user, opinion: Opinion, *, assignments=None) -> set[str]:
    """The capacities of a staff user towards the opinion. `assignments` may be passed when already
    loaded, to spare a query."""
    if not (user and user.is_authenticated):
        return set()
    scope = scope_for(user)
    found: set[str] = set()
    if _is_handler(user, opinion):
        found.add("handler")
    if opinion.received_by_id and opinion.received_by_id in scope.person_ids:
        found.add("receiver")
    if scope.unit_ids:
        rows = assignments if assignments is not None else list(opinion.assignments.all())
        if any(a.unit_id in scope.unit_ids and a.status in LIVE_ASSIGNMENT for a in rows):
            found.add("unit")
    return found


def unit_ids_of(user) -> frozenset[int]:
    return scope_for(user).unit_ids
