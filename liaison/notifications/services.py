"""Writes to the outbox: `notify()` (what every part calls), delivery with retries, marking in-app
notifications read, and the administrator's "send again".

How a message travels:
1. `notify(kind=…, context=…, channels=…)` renders the kind's texts once, in the recipient's language,
   and writes one row per channel in the caller's transaction. An in-app row is delivered at once (the
   row is the inbox entry). An SMS or e-mail row is `pending`; its delivery task is enqueued on commit,
   so a rolled-back change sends nothing.
2. `notification_deliver` claims the row with one conditional UPDATE (status pending/failed, due now →
   `sending`, attempts + 1, a lease of NOTIFY_SEND_LEASE_SECONDS), then calls the channel's backend
   *outside* any transaction (a slow SMS gateway never holds a lock or, on SQLite, the write lock),
   then records the outcome and a DeliveryAttempt row.
3. A failure schedules the next try after NOTIFY_RETRY_MINUTES (1, 5, 30, 120 by default); after
   NOTIFY_MAX_ATTEMPTS tries the row is `given_up`. The periodic sweep `notifications_retry_due`
   (every minute, liaison.notifications.tasks) delivers what is due, also rows whose task was lost
   and rows whose worker died mid-send (their lease ran out). Delivery is at-least-once: a worker that
   dies after the gateway accepted a message but before recording it sends it again.

Delivery and give-up are machine events recorded in the delivery log (DeliveryAttempt), not in the
audit trail; people's actions (mark read, send again) are audited."""

import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from liaison.core.audit import audit_record
from liaison.core.db.inserts import insert_many, insert_per_row
from liaison.core.exceptions import NotFound
from liaison.core.models import AuditLog

from . import backends
from .exceptions import NotRetryable, SecretGone
from .kinds import SECRET_MASK, Kind, fill, get_kind, register_kind
from .models import DeliveryAttempt, Notification

__all__ = ["notify", "notify_inbox", "register_kind", "notification_deliver", "notifications_retry_due"]

logger = logging.getLogger("liaison.notifications")

IN_APP, SMS, EMAIL = Notification.Channel.IN_APP, Notification.Channel.SMS, Notification.Channel.EMAIL
Status = Notification.Status
RETRYABLE = (Status.PENDING, Status.SENDING, Status.FAILED)


# --- notify ---------------------------------------------------------------------------------------


def _render(kind: Kind, context: dict, language: str) -> dict:
    masked = {**context, **{name: SECRET_MASK for name in kind.secret if name in context}}
    with translation.override(language):
        body = fill(kind.body, masked)
        url = kind.url(context) if callable(kind.url) else fill(kind.url, context) if kind.url else ""
        return {
            "subject": fill(kind.subject, masked)[:200],
            "body": body,
            "sealed_body": fill(kind.body, context) if kind.secret else "",
            "url": str(url)[:500],
        }


def _row(
    kind: str,
    channel: str,
    texts: dict,
    *,
    language: str,
    related,
    dedupe_key: str,
    now,
    user=None,
    user_id=None,
    address="",
) -> Notification:
    """One unsaved notification: an in-app row is delivered as it is written (the row is the inbox
    entry, nothing sealed); an SMS or e-mail row waits for its delivery task."""
    row = Notification(
        kind=kind,
        channel=channel,
        **({"user": user} if user is not None else {"user_id": user_id}),
        address=address,
        language=language,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        dedupe_key=dedupe_key[:200],
        **texts,
    )
    if channel == IN_APP:
        row.status, row.sent_at, row.sealed_body = Status.SENT, now, ""
    else:
        row.status, row.next_attempt_at = Status.PENDING, now
    return row


def _address(channel: str, *, user, phone: str, email: str) -> str:
    if channel == SMS:
        return (phone or getattr(user, "phone", "") or "").strip()
    if channel == EMAIL:
        return (email or getattr(user, "email", "") or "").strip()
    return ""


def _enqueue_delivery(notification_id: int) -> None:
    from .tasks import deliver_notification

    deliver_notification.enqueue(notification_id)


@transaction.atomic
def notify(
    *,
    kind: str,
    context: dict,
    user=None,
    phone: str = "",
    email: str = "",
    channels: tuple[str, ...] = ("in_app",),
    language: str | None = None,
    dedupe_key: str = "",
    related=None,
) -> list[Notification]:
    """Write one notification per channel; return the rows written.

    - in_app needs `user` (a User); sms needs `phone`, or a `user` (or a deputies Person) with a phone;
      email needs `email` or the user's e-mail. A channel without its recipient is skipped (and logged),
      so a caller may ask for every channel and get those that can reach the person.
    - `dedupe_key`: at most one row per channel and key, ever; a repeated call returns [] for the
      channels already written (reminders re-run safely).
    - `related`: any model instance, kept as ("app_label.model", pk) for links.
    - Rendered in `language` (default LANGUAGE_CODE); SMS and e-mail go out after the caller's
      transaction commits."""
    unknown = [c for c in channels if c not in Notification.Channel.values]
    if unknown:
        raise ValueError(f"unknown notification channels: {unknown}")
    language = language or settings.LANGUAGE_CODE
    texts = _render(get_kind(kind), context, language)
    inbox_user = user if isinstance(user, get_user_model()) else None
    now = timezone.now()
    written: list[Notification] = []
    for channel in dict.fromkeys(channels):
        address = _address(channel, user=user, phone=phone, email=email)
        if (channel == IN_APP and inbox_user is None) or (channel != IN_APP and not address):
            logger.info("notification %s: no recipient for channel %s, skipped", kind, channel)
            continue
        row = _row(
            kind, channel, texts, language=language, related=related, dedupe_key=dedupe_key, now=now,
            user=inbox_user, address=address,
        )  # fmt: skip
        if dedupe_key:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # already written for this key (perhaps by a concurrent run)
                continue
        else:
            row.save()
        written.append(row)
        if channel != IN_APP:
            transaction.on_commit(functools.partial(_enqueue_delivery, row.pk), robust=True)
    return written


def notify_inbox(
    *,
    kind: str,
    context: dict,
    user_ids=(),
    recipients: tuple[str, list] | None = None,
    language: str | None = None,
    dedupe_key: str = "",
    related=None,
) -> int | None:
    """In-app notifications of one kind to several users (ids): rendered once, written in one INSERT.
    With `dedupe_key`, at most one row per user and key, ever (the key gets ":u<id>", as `notify`
    writes it); rows written before are skipped. Returns how many rows were asked for.
    `recipients` instead of `user_ids`: a query of distinct user ids (SQL and parameters, as
    `Prepared.sql_with_params` gives them), answered by the database in the statement that writes the
    rows (INSERT … SELECT: no round trip to read the ids first); returns None, the number unknown."""
    language = language or settings.LANGUAGE_CODE
    now = timezone.now()
    if recipients is not None:
        if dedupe_key or user_ids:
            raise ValueError("recipients as a query take no user_ids and no dedupe_key")
        texts = _render(get_kind(kind), context, language)
        template = _row(kind, IN_APP, texts, language=language, related=related, now=now, user_id=None, dedupe_key="")
        insert_per_row(template, "user", *recipients)
        return None
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return 0
    texts = _render(get_kind(kind), context, language)
    rows = [
        _row(
            kind,
            IN_APP,
            texts,
            language=language,
            related=related,
            now=now,
            user_id=user_id,
            dedupe_key=f"{dedupe_key}:u{user_id}" if dedupe_key else "",
        )  # fmt: skip
        for user_id in user_ids
    ]
    if dedupe_key:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    else:
        insert_many(rows)
    return len(rows)


# --- delivery -------------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    steps = settings.NOTIFY_RETRY_MINUTES or [1]
    return timedelta(minutes=steps[min(attempts, len(steps)) - 1])


def _claim(notification_id: int, now) -> bool:
    lease = now + timedelta(seconds=settings.NOTIFY_SEND_LEASE_SECONDS)
    return bool(
        Notification.objects.filter(pk=notification_id, status__in=RETRYABLE, next_attempt_at__lte=now)
        .exclude(channel=IN_APP)
        .update(status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease, updated_at=now)
    )


@transaction.atomic
def _record(row: Notification, *, backend: str, error: str) -> str:
    now = timezone.now()
    DeliveryAttempt.objects.create(notification=row, at=now, backend=backend[:200], ok=not error, error=error)
    if not error:
        changes = {"status": Status.SENT, "sent_at": now, "next_attempt_at": None, "last_error": ""}
    elif row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        changes = {"status": Status.GIVEN_UP, "next_attempt_at": None, "last_error": error}
        logger.warning("notification #%s (%s) given up after %s attempts: %s", row.pk, row.kind, row.attempts, error)
    else:
        changes = {"status": Status.FAILED, "next_attempt_at": now + _backoff(row.attempts), "last_error": error}
    if changes["status"] != Status.FAILED:
        changes["sealed_body"] = ""  # a one-time secret does not outlive its delivery
    Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(updated_at=now, **changes)
    return changes["status"]


def notification_deliver(*, notification_id: int) -> str:
    """One delivery attempt of an SMS or e-mail; returns the new status, or "skipped" when the row is
    not due (already sent, claimed by another worker, or waiting for its next try). Not atomic on
    purpose: the backend is called outside any transaction."""
    if not _claim(notification_id, timezone.now()):
        return "skipped"
    row = Notification.objects.get(pk=notification_id)
    backend = backends.backend_path(row.channel)
    message = backends.Message(
        notification_id=row.pk,
        channel=row.channel,
        kind=row.kind,
        to=row.address,
        subject=row.subject,
        body=row.sealed_body or row.body,
        url=row.url,
    )
    try:
        backends.get_backend(row.channel).send(message)
    except Exception as exc:  # any failure of a backend is a failed attempt, retried later
        return _record(row, backend=backend, error=f"{type(exc).__name__}: {exc}"[:2000])
    return _record(row, backend=backend, error="")


def notifications_retry_due(*, limit: int = 200, seconds: float = 50.0) -> int:
    """The sweep: deliver the SMS and e-mail rows that are due — failed ones whose next try has come,
    `sending` ones whose lease ran out (a worker died), and `pending` ones older than
    NOTIFY_PENDING_GRACE_SECONDS (their task was lost). Stops after `limit` rows or `seconds`, whichever
    comes first; the next sweep continues. Returns the number of attempts made."""
    started = timezone.now()
    grace = started - timedelta(seconds=settings.NOTIFY_PENDING_GRACE_SECONDS)
    due = (
        Notification.objects.filter(
            Q(status__in=[Status.FAILED, Status.SENDING], next_attempt_at__lte=started)
            | Q(status=Status.PENDING, next_attempt_at__lte=grace)
        )
        .exclude(channel=IN_APP)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    attempts = 0
    for pk in list(due):
        if (timezone.now() - started).total_seconds() > seconds:
            break
        if notification_deliver(notification_id=pk) != "skipped":
            attempts += 1
    return attempts


@transaction.atomic
def notification_retry(*, actor, notification: Notification, reason: str = "") -> Notification:
    """Send a failed or given-up SMS or e-mail again now (the system administrator's outbox). A given-up
    row gets one more try; a message whose one-time secret was erased cannot be sent again."""
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.channel == IN_APP or row.status not in (Status.FAILED, Status.GIVEN_UP):
        raise NotRetryable()
    kind = _kind_or_none(row.kind)
    if kind is not None and kind.secret and not row.sealed_body:
        raise SecretGone()
    before = {"status": row.status, "attempts": row.attempts, "next_attempt_at": _iso(row.next_attempt_at)}
    row.status, row.next_attempt_at = Status.PENDING, timezone.now()
    row.save(update_fields=["status", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSITION,
        obj=row,
        before=before,
        after={"status": row.status, "attempts": row.attempts, "next_attempt_at": _iso(row.next_attempt_at)},
        reason=reason or "retry",
    )
    transaction.on_commit(functools.partial(_enqueue_delivery, row.pk), robust=True)
    return row


def _kind_or_none(kind: str) -> Kind | None:
    try:
        return get_kind(kind)
    except LookupError:
        return None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# --- the in-app inbox -----------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own in-app notifications read (again: nothing changes)."""
    row = Notification.objects.select_for_update().filter(pk=notification.pk, user=actor, channel=IN_APP).first()
    if row is None:
        raise NotFound()
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=row,
            before={"read_at": None},
            after={"read_at": _iso(row.read_at)},
        )
    return row


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark all the actor's unread in-app notifications read; one audit row with the count."""
    now = timezone.now()
    count = Notification.objects.filter(user=actor, channel=IN_APP, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
    if count:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            model=Notification._meta.label,
            object_repr=str(getattr(actor, "username", "")),
            after={"marked_read": count, "read_at": _iso(now)},
            reason="mark all read",
        )
    return count
