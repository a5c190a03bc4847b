"""SMS verification codes (短信验证码) for citizens who give a phone number, e.g. with an opinion.

- A code is 6 digits, valid SMS_CODE_TTL_MINUTES (10), and only the newest code of a number and purpose
  counts; SMS_CODE_MAX_TRIES (5) wrong entries spend it.
- Nothing readable is stored: the number as its blind index (liaison.core.crypto.blind_index), the
  code as a keyed hash (HMAC with the server's secret, so the million possible codes cannot be tried
  against a copy of the database).
- Sending is rate-limited per number (one per SMS_CODE_INTERVAL_SECONDS, SMS_CODE_PER_HOUR an hour,
  SMS_CODE_PER_DAY a day) and per client address (SMS_CODE_PER_IP_HOUR an hour); beyond that
  `TooManyCodes` (429) says when to try again.
- The code goes out through the outbox: notify(kind="sms_code", channels=("sms",)). With the offline
  SMS backend it is written to var/outbox.log (the number masked); for demonstrations only,
  SMS_CODE_FIXED (e.g. "000000") replaces the random code — never when DEBUG is off."""

import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from liaison.core.crypto import blind_index, is_mobile_phone, normalize_phone

from .exceptions import InvalidPhone, TooManyCodes
from .models import PhoneCode
from .services import notify

CODE_DIGITS = 6


def _hash(*, phone_index: str, purpose: str, code: str) -> str:
    return salted_hmac("liaison.sms_code", f"{purpose}:{phone_index}:{code}", algorithm="sha256").hexdigest()


def _phone_index(phone: str) -> tuple[str, str]:
    number = normalize_phone(phone or "")
    if not is_mobile_phone(number):
        raise InvalidPhone(field="phone")
    return number, blind_index(number, kind="phone")


def _serialize(phone_index: str) -> None:
    """Requests for one number wait for each other, so that two at once cannot both pass the limits:
    a transaction-scoped advisory lock on PostgreSQL; SQLite's write transactions (BEGIN IMMEDIATE)
    already run one at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sms_code:{phone_index}"])


def _new_code() -> str:
    fixed = getattr(settings, "SMS_CODE_FIXED", "") if settings.DEBUG else ""
    if fixed:
        return fixed
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _check_limit(qs, *, now, window: timedelta, limit: int) -> None:
    """TooManyCodes when `qs` holds `limit` or more codes created within `window`, telling when the
    oldest of them leaves the window."""
    if limit <= 0:
        return
    recent = list(qs.filter(created_at__gt=now - window).order_by("-created_at").values_list("created_at", flat=True))
    if len(recent) < limit:
        return
    wait = (recent[limit - 1] + window - now).total_seconds()
    minutes = max(1, math.ceil(wait / 60))
    raise TooManyCodes(
        _("Too many codes were asked for. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        if wait > 60
        else _("Too many codes were asked for. Try again in %(seconds)d seconds.") % {"seconds": max(1, round(wait))},
        extra={"retry_after": max(1, math.ceil(wait))},
    )


@transaction.atomic
def sms_code_send(*, phone: str, ip: str | None, purpose: str = "opinion") -> None:
    """Send a new code to `phone` for `purpose`, within the rate limits (TooManyCodes otherwise)."""
    if not purpose or len(purpose) > 30:
        raise ValueError("a verification purpose is a name of at most 30 characters")
    number, index = _phone_index(phone)
    now = timezone.now()
    _serialize(index)
    by_number = PhoneCode.objects.filter(phone_index=index)
    _check_limit(by_number, now=now, window=timedelta(seconds=settings.SMS_CODE_INTERVAL_SECONDS), limit=1)
    _check_limit(by_number, now=now, window=timedelta(hours=1), limit=settings.SMS_CODE_PER_HOUR)
    _check_limit(by_number, now=now, window=timedelta(days=1), limit=settings.SMS_CODE_PER_DAY)
    if ip:
        _check_limit(
            PhoneCode.objects.filter(ip=ip), now=now, window=timedelta(hours=1), limit=settings.SMS_CODE_PER_IP_HOUR
        )
    code = _new_code()
    ttl = settings.SMS_CODE_TTL_MINUTES
    PhoneCode.objects.create(
        phone_index=index,
        purpose=purpose,
        code_hash=_hash(phone_index=index, purpose=purpose, code=code),
        ip=ip or None,
        created_at=now,
        expires_at=now + timedelta(minutes=ttl),
    )
    notify(kind="sms_code", phone=number, channels=("sms",), context={"code": code, "minutes": ttl})


@transaction.atomic
def sms_code_verify(*, phone: str, code: str, purpose: str = "opinion") -> bool:
    """True once for the right code of the number's newest unexpired code for `purpose`; a wrong code
    counts against the code's tries. Never raises for a bad number or code: it is simply not verified."""
    try:
        _number, index = _phone_index(phone)
    except InvalidPhone:
        return False
    code = (code or "").strip()
    now = timezone.now()
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone_index=index, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return False
    if row.failed_tries >= settings.SMS_CODE_MAX_TRIES:
        return False
    if len(code) != CODE_DIGITS or not code.isdigit():
        ok = False
    else:
        ok = constant_time_compare(row.code_hash, _hash(phone_index=index, purpose=purpose, code=code))
    if ok:
        row.used_at = now
        row.save(update_fields=["used_at"])
    else:
        row.failed_tries += 1
        row.save(update_fields=["failed_tries"])
    return ok


def phone_codes_prune(*, days: int = 2) -> int:
    """Delete codes older than `days` days (they only matter for the daily limit)."""
    deleted, _ = PhoneCode.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
