"""Reads of the outbox: a user's own inbox (nobody sees another's notifications: their ids answer
404 like missing ones) and the system administrator's view of every message and its delivery log."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from liaison.core.exceptions import NotFound

from .models import Notification

IN_APP = Notification.Channel.IN_APP


def _own(user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user, channel=IN_APP)


def inbox_for(*, user, unread_only: bool = False) -> QuerySet:
    """The user's in-app notifications, unread first, newest first within each."""
    qs = _own(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    unread = Case(When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.annotate(unread=unread).order_by("-unread", "-created_at", "-id")


def unread_count(*, user) -> int:
    return _own(user).filter(read_at__isnull=True).count()


def unread_count_for_request(request) -> int:
    """The badge of the workspace: one query per request at most, however often it is asked."""
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(user=getattr(request, "user", None))
    return request._unread_notifications


def notification_get_for(*, user, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = _own(user).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


# --- the system administrator's outbox ------------------------------------------------------------


def outbox_list(*, status: str = "", channel: str = "", kind: str = "") -> QuerySet:
    qs = Notification.objects.select_related("user")
    if status in Notification.Status.values:
        qs = qs.filter(status=status)
    if channel in Notification.Channel.values:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind[:60])
    return qs.order_by("-created_at", "-id")


def outbox_get(*, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = Notification.objects.select_related("user").prefetch_related("delivery_attempts").filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row
