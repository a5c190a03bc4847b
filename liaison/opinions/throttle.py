"""Per-address limits of the public opinion pages, counted in the database (PublicAttempt rows) so
that every worker process and every machine sees the same count.

- Opinions sent without a confirmed phone: OPINION_SUBMIT_PER_IP_HOUR an hour. An opinion with a phone
  confirmed by SMS is not counted here: the SMS codes have their own limits per number and address.
- Tracking codes that matched nothing: OPINION_TRACK_MISSES_PER_IP_HOUR an hour; beyond it every
  lookup from that address waits, so that codes cannot be guessed in bulk (they are 12 characters of
  31 already; this closes the door on trying them at speed).

A limit of 0 turns the check off."""

import functools
import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from liaison.core.db.inserts import insert, one_write
from liaison.core.db.prepared import Prepared

from . import exceptions as errors
from .models import PublicAttempt

HOUR = timedelta(hours=1)
KEEP = timedelta(days=1)
LIMIT_SETTINGS = {
    PublicAttempt.Kind.SUBMIT: ("OPINION_SUBMIT_PER_IP_HOUR", errors.TooManySubmissions),
    PublicAttempt.Kind.TRACK_MISS: ("OPINION_TRACK_MISSES_PER_IP_HOUR", errors.TooManyLookups),
}


def _limit(kind: str) -> int:
    name, _error = LIMIT_SETTINGS[kind]
    return int(getattr(settings, name, 0) or 0)


def attempts_check(*, kind: str, ip: str | None) -> None:
    """Raise the kind's error (HTTP 429, with the minutes to wait) when the address has used up its
    hour. One indexed query of at most `limit` rows."""
    limit = _limit(kind)
    if limit <= 0 or not ip:
        return
    now = timezone.now()
    recent = _recent(limit).rows(kind=kind, ip=ip, since=now - HOUR)
    if len(recent) < limit:
        return
    minutes = max(1, math.ceil((recent[-1][0] + HOUR - now).total_seconds() / 60))
    _name, error = LIMIT_SETTINGS[kind]
    raise error(error.message_with_wait % {"minutes": minutes}, extra={"retry_after": minutes * 60})


@functools.cache
def _recent(limit: int) -> Prepared:
    """The times of an address's last `limit` attempts of a kind within the hour (asked on every
    public submission: compiled once per limit)."""
    return Prepared(
        lambda kind, ip, since: (
            PublicAttempt.objects.filter(kind=kind, ip=ip, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
    )


def attempt_record(*, kind: str, ip: str | None) -> None:
    """Count one attempt of the address (one INSERT; the hourly job `opinions.prune_attempts`
    deletes the rows no limit looks at any more). Written as a write of its own (on SQLite the writer
    takes its turn on the lock file), or with the rows of the caller's `one_write()` (a new
    opinion's)."""
    if _limit(kind) <= 0 or not ip:
        return
    with one_write():
        insert(PublicAttempt(kind=kind, ip=ip, at=timezone.now()))


def attempts_prune() -> int:
    """Delete the attempts older than a day (a limit looks one hour back)."""
    deleted, _ = PublicAttempt.objects.filter(at__lt=timezone.now() - KEEP).delete()
    return deleted
