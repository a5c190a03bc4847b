"""Who may do what with the platform-wide records kept in core."""

import rules

from liaison.accounts.rules import is_system_admin

# The official working-day calendar (节假日安排) behind every deadline: the system administrator.
rules.add_perm("core.manage_calendar", is_system_admin)
