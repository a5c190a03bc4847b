from django import template

from liaison.notifications.selectors import unread_count_for_request

register = template.Library()


@register.inclusion_tag("notifications/includes/badge.html", takes_context=True)
def notification_badge(context, oob: bool = False):
    """The bell of the workspace with the number of unread in-app notifications (one query a request)."""
    request = context.get("request")
    count = unread_count_for_request(request) if request is not None else 0
    return {"count": count, "oob": oob}
