"""The in-app inbox (`/work/notifications/`): a workspace user's own notifications, unread first; mark
one or all read with a POST (htmx swaps the row or the list; without JavaScript the page reloads).
Another user's notification answers 404, like a missing one."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from liaison.accounts.admin_views import perm_required
from liaison.core.exceptions import NotFound

from . import selectors, services

PAGE_SIZE = 30


def _own(request, pk):
    try:
        return selectors.notification_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


def _inbox_context(request) -> dict:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox_for(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {"page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else ""}


@perm_required("notifications.use_inbox")
def inbox(request):
    return render(request, "notifications/inbox.html", _inbox_context(request))


@require_POST
@perm_required("notifications.use_inbox")
def mark_read(request, pk):
    row = services.notification_mark_read(actor=request.user, notification=_own(request, pk))
    if request.headers.get("HX-Request"):
        return render(request, "notifications/includes/row.html", {"n": row, "swap_badge": True})
    return redirect("notifications:inbox")


@require_POST
@perm_required("notifications.use_inbox")
def mark_all_read(request):
    services.notifications_mark_all_read(actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/includes/list.html", {**_inbox_context(request), "swap_badge": True})
    return redirect("notifications:inbox")


@require_POST
@perm_required("notifications.use_inbox")
def open_link(request, pk):
    """Follow a notification's link, marking it read on the way."""
    row = services.notification_mark_read(actor=request.user, notification=_own(request, pk))
    target = row.url if row.url.startswith("/") and not row.url.startswith("//") else ""
    return redirect(target or "notifications:inbox")
