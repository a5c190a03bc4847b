"""Who may do what with notifications. Every workspace user reads their own inbox (the selectors scope
it to the user: nobody sees another's notifications); the system administrator keeps the outbox
(delivery log, sending again)."""

import rules

from liaison.accounts.rules import is_system_admin, is_workspace_user

rules.add_perm("notifications.use_inbox", is_workspace_user)
rules.add_perm("notifications.manage_outbox", is_system_admin)
