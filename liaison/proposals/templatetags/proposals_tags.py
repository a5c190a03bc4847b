"""The suggestions' part of the workspace's front page and menu: what waits for this user (a deputy's
invitations to co-sign, the office's suggestions to register, the replies overdue in their area)."""

from django import template

from liaison.core.paging import capped_count
from liaison.proposals import rules, selectors

register = template.Library()


@register.inclusion_tag("proposals/work/_home_cards.html", takes_context=True)
def proposals_home_cards(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not rules.can(user, "use"):
        return {"show": False}
    cards = {"show": True}
    if rules.can(user, "draft"):
        cards["invitations"] = selectors.invitations_for(user=user).count()
    if rules.can(user, "office"):
        filters = selectors.ListFilters(status="submitted")
        cards["to_register"], cards["to_register_more"] = capped_count(
            selectors.suggestion_list_for(user=user, filters=filters)
        )
    if rules.can(user, "overdue_board"):
        cards["overdue"], cards["overdue_more"] = capped_count(selectors.overdue_board_for(user=user))
    return cards
