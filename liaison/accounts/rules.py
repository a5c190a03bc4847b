"""Who may do what, as django-rules predicates. Views and services check the same predicates."""

import rules

from .models import Role


def _has(*kinds):
    @rules.predicate(name="has_role_" + "_or_".join(kinds))
    def predicate(user):
        return bool(user and user.is_authenticated and user.has_role(*kinds))

    return predicate


is_deputy = _has(Role.Kind.DEPUTY)
is_station_staff = _has(Role.Kind.STATION_STAFF)
is_liaison_officer = _has(Role.Kind.LIAISON_OFFICER)
is_unit_staff = _has(Role.Kind.HANDLING_UNIT)
is_leadership = _has(Role.Kind.LEADERSHIP)
is_system_admin = _has(Role.Kind.SYSTEM_ADMIN)
is_security_admin = _has(Role.Kind.SECURITY_ADMIN)
is_audit_admin = _has(Role.Kind.AUDIT_ADMIN)
is_workspace_user = _has(
    Role.Kind.DEPUTY,
    Role.Kind.STATION_STAFF,
    Role.Kind.LIAISON_OFFICER,
    Role.Kind.HANDLING_UNIT,
    Role.Kind.LEADERSHIP,
    Role.Kind.SYSTEM_ADMIN,
    Role.Kind.SECURITY_ADMIN,
    Role.Kind.AUDIT_ADMIN,
)

# The three administrators (三员分立): none of them can do another's work.
rules.add_perm("accounts.manage_users", is_system_admin)
rules.add_perm("accounts.manage_roles", is_security_admin)
rules.add_perm("accounts.manage_security", is_security_admin)
rules.add_perm("core.view_audit", is_audit_admin)
# Records of the region tree: liaison officers (in their scope) and the system administrator.
rules.add_perm("regions.manage", is_liaison_officer | is_system_admin)
rules.add_perm("deputies.manage", is_liaison_officer)
rules.add_perm("stations.manage", is_liaison_officer | is_station_staff)
rules.add_perm("work.enter", is_workspace_user)
