"""Who may see and change the region tree, congresses and handling units.

- The system administrator maintains the reference data everywhere.
- A liaison officer sees and changes their region subtree (its congresses, terms, sessions, organs
  and units included).
- Leadership reads its subtree and changes nothing.

`regions.manage` (liaison officer or system administrator) is declared in accounts.rules; the object
checks below add the subtree. Selectors apply the same paths to querysets.
"""

import rules

from liaison.accounts.models import Role
from liaison.accounts.rules import is_leadership, is_liaison_officer, is_system_admin


def _paths(user, *kinds: str) -> tuple[str, ...]:
    """The minimal set of subtree paths of the user's roles of these kinds (a path inside another
    one is dropped). Roles are cached on the user, so this costs no query after the first."""
    if user is None or not user.is_authenticated:
        return ()
    kept: list[str] = []
    for path in sorted({r.region.path for r in user.active_roles() if r.kind in kinds and r.region_id}, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def view_paths(user) -> tuple[str, ...] | None:
    """Region subtrees the user may read; None means every region."""
    if is_system_admin(user):
        return None
    return _paths(user, Role.Kind.LIAISON_OFFICER, Role.Kind.LEADERSHIP)


def edit_paths(user) -> tuple[str, ...] | None:
    """Region subtrees the user may change; None means every region."""
    if is_system_admin(user):
        return None
    return _paths(user, Role.Kind.LIAISON_OFFICER)


def _covers(paths: tuple[str, ...] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


@rules.predicate
def can_view_region(user, region) -> bool:
    return region is not None and _covers(view_paths(user), region.path)


@rules.predicate
def can_edit_region(user, region) -> bool:
    return region is not None and _covers(edit_paths(user), region.path)


# Checked with rules.has_perm (the names differ from Django's model permissions on purpose).
rules.add_perm("regions.view", is_liaison_officer | is_leadership | is_system_admin)
rules.add_perm("regions.see_region", can_view_region)
rules.add_perm("regions.edit_region", can_edit_region)
