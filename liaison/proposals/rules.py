"""Who may see and act on a suggestion or a motion.

`visible_q(user, model)` is the one filter every list and every lookup goes through; `capacities` says
in what capacity a user stands towards one item (the names of workflow.py), and the workflow tables
say what each capacity may do in each state.

Scope (what a user sees):
- liaison officers and leadership: the items of the congresses in their region subtree
  (`region_path` is the congress's region path) — except the deputies' own drafts, which stay the
  deputies' until they are submitted (a suggestion in draft, a deputies' motion in draft or while
  collecting signatures);
- deputies: the items they are a signer of, in any signer state (the lead, asked to sign, signed,
  declined);
- handling-unit staff: the items with an assignment of their unit (in any assignment state, so that
  a unit still finds what it answered or sent back).
"""

from functools import reduce
from operator import or_

import rules
from django.db.models import Exists, OuterRef, Q

from liaison.accounts.rules import is_deputy, is_leadership, is_liaison_officer, is_unit_staff
from liaison.accounts.scope import path_prefix_q, scope_for

from .models import Assignment, Motion, Signer, Suggestion
from .workflow import LIVE_ASSIGNMENT

HELD = (*LIVE_ASSIGNMENT, Assignment.Status.REPLIED)

rules.add_perm("proposals.use", is_deputy | is_liaison_officer | is_leadership | is_unit_staff)
rules.add_perm("proposals.office", is_liaison_officer)
rules.add_perm("proposals.draft", is_deputy)
rules.add_perm("proposals.supervise", is_leadership)
rules.add_perm("proposals.unit_queue", is_unit_staff)
rules.add_perm("proposals.overdue_board", is_liaison_officer | is_leadership)


def can(user, perm: str, obj=None) -> bool:
    return rules.has_perm(f"proposals.{perm}", user, obj)


def _fk(model) -> str:
    return "motion" if model is Motion else "suggestion"


def _not_private_draft(model) -> Q:
    """Items past the deputies' own drafting: what the offices and leadership see."""
    if model is Motion:
        return ~Q(status__in=[Motion.Status.DRAFT, Motion.Status.COLLECTING]) | ~Q(proposer=Motion.Proposer.DEPUTIES)
    return ~Q(status=Suggestion.Status.DRAFT)


def visible_q(user, model=Suggestion) -> Q:
    """The items of `model` (Suggestion or Motion) the user may see."""
    scope = scope_for(user)
    fk = _fk(model)
    parts = []
    if scope.region_paths:
        parts.append(scope.region_q("region_path") & _not_private_draft(model))
    if scope.person_ids:
        parts.append(Exists(Signer.objects.filter(**{fk: OuterRef("pk")}, person_id__in=scope.person_ids)))
    if scope.unit_ids:
        parts.append(Exists(Assignment.objects.filter(**{fk: OuterRef("pk")}, unit_id__in=scope.unit_ids)))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def assignment_visible_q(user, *, prefix: str = "") -> Q:
    """The same scope for assignment rows (`prefix` leads from the queried model to the assignment):
    of items in the user's region subtrees, of items they signed, of their own units."""
    scope = scope_for(user)
    parts = []
    for path in scope.region_paths:
        parts.append(path_prefix_q(f"{prefix}suggestion__region_path", path))
        parts.append(path_prefix_q(f"{prefix}motion__region_path", path))
    if scope.person_ids:
        for fk in ("suggestion", "motion"):
            signed = Signer.objects.filter(**{fk: OuterRef(f"{prefix}{fk}_id")}, person_id__in=scope.person_ids)
            parts.append(Exists(signed))
    if scope.unit_ids:
        parts.append(Q(**{f"{prefix}unit_id__in": scope.unit_ids}))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def _roles_cover(user, kind: str, path: str) -> bool:
    return any(path.startswith(r.region.path) for r in user.active_roles() if r.kind == kind and r.region_id)


def office_covers(user, path: str) -> bool:
    """Is the user a liaison officer whose region covers `path` (a congress's region)?"""
    return bool(user and user.is_authenticated) and _roles_cover(user, "liaison_officer", path)


def capacities(user, item, *, signers=None, assignments=None) -> set[str]:
    """The capacities of `user` towards a Suggestion or a Motion. `signers` and `assignments` may be
    passed when already loaded, to spare the queries."""
    if not (user and user.is_authenticated):
        return set()
    scope = scope_for(user)
    found: set[str] = set()
    if not _is_private_draft(item):
        if _roles_cover(user, "liaison_officer", item.region_path):
            found.add("office")
        if _roles_cover(user, "leadership", item.region_path):
            found.add("leadership")
    elif isinstance(item, Motion) and item.proposer != Motion.Proposer.DEPUTIES:
        # a delegation's or the presidium's motion is drafted by the office itself
        if _roles_cover(user, "liaison_officer", item.region_path):
            found.add("office")
    if scope.person_ids:
        if item.lead_id and item.lead_id in scope.person_ids:
            found.add("lead")
        rows = signers if signers is not None else list(item.signers.all())
        for signer in rows:
            if signer.person_id not in scope.person_ids:
                continue
            if signer.status == Signer.Status.INVITED:
                found.add("invitee")
            elif signer.status == Signer.Status.CONFIRMED:
                found.add("signer")
    if scope.unit_ids:
        rows = assignments if assignments is not None else list(item.assignments.all())
        for a in rows:
            if a.unit_id not in scope.unit_ids:
                continue
            if a.role == Assignment.Role.LEAD and a.status not in (
                Assignment.Status.WITHDRAWN,
                Assignment.Status.RETURNED,
            ):
                found.add("lead_unit_any")
            # the unit's assignment of the current round, live or answered: a step that is over (an
            # assignment already answered) is then told as "not possible now", not "not yours"
            if a.status in HELD and a.round == getattr(item, "round", 1):
                found.add("lead_unit" if a.role == Assignment.Role.LEAD else "co_unit")
    return found


def _is_private_draft(item) -> bool:
    if isinstance(item, Motion):
        return item.status in (Motion.Status.DRAFT, Motion.Status.COLLECTING)
    return item.status == Suggestion.Status.DRAFT


def unit_ids_of(user) -> frozenset[int]:
    return scope_for(user).unit_ids


def person_ids_of(user) -> frozenset[int]:
    return scope_for(user).person_ids
