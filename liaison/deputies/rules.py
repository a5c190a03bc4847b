"""Who may read and change deputies' records. Liaison officers change them (in the subtrees of their
roles); leadership and station staff read them in their scope; a deputy reads their own record."""

import rules

from liaison.accounts.rules import is_deputy, is_leadership, is_liaison_officer, is_station_staff

can_view_deputies = is_liaison_officer | is_leadership | is_station_staff | is_deputy

rules.add_perm("deputies.view", can_view_deputies)
# "deputies.manage" (is_liaison_officer) is declared in liaison.accounts.rules.
