"""The notifications part of the JSON API: the caller's own in-app notifications
(`GET /api/notifications/`, `POST /api/notifications/{id}/read`). Staff token or session
(liaison.api.auth); another user's notification answers 404 like a missing one."""

import datetime

import rules
from django.conf import settings
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from liaison.api.auth import staff_auth
from liaison.api.schemas import ErrorOut
from liaison.core.exceptions import PermissionDenied

from . import selectors, services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    related_type: str
    related_id: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    unread: bool


class NotificationPage(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class InboxFilters(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1)
    offset: int = Field(0, ge=0)


def _out(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "subject": n.subject,
        "body": n.body,
        "url": n.url,
        "related_type": n.related_type,
        "related_id": n.related_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "unread": n.read_at is None,
    }


def _enter(request) -> None:
    if not rules.has_perm("notifications.use_inbox", request.user):
        raise PermissionDenied()


@router.get("/", auth=staff_auth, response={200: NotificationPage, codes_4xx: ErrorOut}, summary="My notifications")
def notification_list(request, filters: Query[InboxFilters]):
    _enter(request)
    qs = selectors.inbox_for(user=request.user, unread_only=filters.unread)
    limit = min(filters.limit, settings.API_PAGE_MAX)
    items = list(qs[filters.offset : filters.offset + limit])
    return {
        "count": qs.count(),
        "unread": selectors.unread_count(user=request.user),
        "limit": limit,
        "offset": filters.offset,
        "items": [_out(n) for n in items],
    }


@router.post(
    "/{int:notification_id}/read",
    auth=staff_auth,
    response={200: NotificationOut, codes_4xx: ErrorOut},
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int):
    _enter(request)
    row = selectors.notification_get_for(user=request.user, pk=notification_id)
    return _out(services.notification_mark_read(actor=request.user, notification=row))
