"""Writes of the opinion workflow (DESIGN §4; 000 §6, 002 §4–5, 003 §83).

Every step: lock the opinion row, check the caller's capacity and the state against the table in
workflow.py (and, when the caller says which version it saw, that nobody acted in between), change,
write the timeline entry and the audit record, emit the domain event — all in one transaction. Two
people acting on the same opinion at once: the second waits for the first's lock, then finds the state
or the version changed and is told so (TransitionNotAllowed / OpinionChanged), never a silent overwrite.

Decisions worth knowing:
- **Where an opinion is handled.** `region` is where the matter is; `queue_region` is the congress
  whose liaison office handles it: the matter's region when it has a congress, else the nearest one
  above (a village's opinion goes to the township). Escalation moves the queue up to the congress at
  the opinion's level (002 §5(4): township matters stay, higher ones go up through the township
  congress).
- **Who may assign to whom.** A unit of the opinion's level whose region contains the matter's region,
  and only from a queue at that level; a higher matter must be escalated first.
- **Deadlines** are OPINION_REPLY_WORKING_DAYS working days (default 15) after assignment on the
  official calendar (liaison.core.deadlines). A unit may ask for more time, at most
  OPINION_MAX_EXTENSION_WORKING_DAYS working days beyond its current deadline; the office decides.
- **Replies.** The opinion is replied when every live assignment has replied; a unit that sends the
  opinion back (wrong unit) leaves it with the others, or back in the office's hands when none is left.
- **Feedback and return visit.** Staff feed the answer back (the citizen is notified by the channel
  they chose and sees it on the tracking page; submitters of merged opinions get it too). A return
  visit, by staff or by the citizen online, closes it when satisfied or basically satisfied; the first
  "dissatisfied" reopens it once for re-handling (back to accepted), a second one closes it.
- **Double submit.** The form carries an idempotency key; the same key returns the opinion already
  made, so a double click or a retried request makes one opinion, not two.
"""

import contextlib
import datetime
import functools
import hashlib
import re
import secrets
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.core import crypto, deadlines, files
from liaison.core.audit import audit_record, snapshot
from liaison.core.db.inserts import insert, one_write, reserve_pk
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.regions.models import CONGRESS_LEVELS, LEVEL_ORDER, HandlingUnit, Region, path_ids
from liaison.regions.selectors import congress_region_above

from . import events, rules, throttle
from . import exceptions as errors
from .models import (
    Assignment,
    Attachment,
    Category,
    Event,
    Extension,
    Opinion,
    PublicAttempt,
    Reply,
    ReturnVisit,
    UnitContact,
)
from .workflow import LIVE_ASSIGNMENT, TRANSITIONS, allowed

S = Opinion.Status
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
STAFF_CHANNELS = {
    Opinion.Channel.VISIT,
    Opinion.Channel.PHONE,
    Opinion.Channel.LETTER,
    Opinion.Channel.GROUP_ACTIVITY,
    Opinion.Channel.INSPECTION,
}
CITIZEN_CHANNELS = {Opinion.Channel.ONLINE, Opinion.Channel.STATION_ONLINE, Opinion.Channel.API}


# --- small helpers ---------------------------------------------------------------------------------


def new_tracking_code(today: datetime.date | None = None) -> str:
    """Twelve characters of 31 (no 0/O, 1/I/L): two that name the day, ten random (31^10, about 8e14,
    to guess among). The day's two come first so that a day's new codes sit together in the unique
    index, and an insert finds its page of the index in memory instead of reading a random one from
    disk (with millions of opinions the index no longer fits the cache); the pair repeats every 961
    days."""
    day = (today or timezone.localdate()).toordinal() % (len(TRACKING_ALPHABET) ** 2)
    prefix = TRACKING_ALPHABET[day // len(TRACKING_ALPHABET)] + TRACKING_ALPHABET[day % len(TRACKING_ALPHABET)]
    return prefix + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def normalize_tracking_code(value: str) -> str:
    """What a citizen types (with spaces, dashes, lower case) → the stored code."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()[:16]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _today() -> datetime.date:
    return timezone.localdate()


def queue_region_for(region: Region) -> tuple[int, str]:
    """(id, path) of the region whose congress handles an opinion about `region`: itself when it has a
    congress, else the nearest ancestor that has one."""
    found = congress_region_above(region.path)
    if found is None:
        raise ValidationFailed(_("No congress handles opinions for this region."), field="region")
    return found


def _level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def _lock(pk) -> Opinion:
    try:
        return Opinion.objects.select_for_update().select_related("region", "queue_region").get(pk=pk)
    except (Opinion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _begin(actor, pk, action: str, *, version: int | None = None, assignments=None) -> tuple[Opinion, set[str]]:
    """Lock the opinion, then check scope, capacity, state and version — in that order, so someone
    outside the scope learns nothing about the state."""
    opinion = _lock(pk)
    caps = rules.capacities(actor, opinion, assignments=assignments) if actor is not None else {"handler"}
    if actor is not None and not caps and not Opinion.objects.filter(rules.visible_q(actor), pk=opinion.pk).exists():
        raise NotFound()
    transition = TRANSITIONS[action]
    if not (transition.by & caps):
        raise errors.NotYourStep()
    # A stale version explains a changed state better than the state itself ("someone else acted").
    if version is not None and str(version).strip() != str(opinion.version):
        raise errors.OpinionChanged()
    if opinion.status not in transition.sources:
        raise errors.TransitionNotAllowed(
            _("This step is not possible now: the opinion is “%(status)s”.") % {"status": opinion.get_status_display()}
        )
    return opinion, caps


def _actor_label(actor) -> str:
    if actor is None:
        return _("system")
    return getattr(actor, "name", "") or actor.get_username()


def _record(
    opinion: Opinion,
    *,
    actor,
    action: str,
    from_status: str,
    comment: str = "",
    public: bool = False,
    data: dict | None = None,
    fields: list[str] | None = None,
    before: dict | None = None,
) -> Event:
    """Save the opinion (with a new version), add the timeline entry and the audit record."""
    opinion.version += 1
    if fields is None:
        opinion.save()
    else:
        opinion.save(update_fields=[*fields, "version", "updated_at"])
    event = insert(
        Event(
            opinion=opinion,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor)[:150],
            action=action,
            from_status=from_status,
            to_status=opinion.status,
            comment=comment,
            public=public,
            data=data or {},
        )
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSITION if from_status != opinion.status else AuditLog.Action.UPDATE,
        obj=opinion,
        object_repr=opinion.tracking_code,
        before=before if before is not None else {"status": from_status},
        after={"status": opinion.status, **(data or {})} if before is None else snapshot(opinion),
        reason=f"{action}: {comment}"[:2000] if comment else action,
    )
    return event


def _clean_text(value: str, *, field: str, minimum: int, maximum: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(
            _("%(label)s needs at least %(n)s characters.") % {"label": label, "n": minimum}, field=field
        )
    if len(value) > maximum:
        raise ValidationFailed(
            _("%(label)s can have at most %(n)s characters.") % {"label": label, "n": maximum}, field=field
        )
    return value


def _required_comment(comment: str, *, field: str = "comment") -> str:
    return _clean_text(comment, field=field, minimum=2, maximum=2000, label=_("The reason"))


def _store_attachments(opinion: Opinion, uploads, *, actor, reply: Reply | None = None) -> list[Attachment]:
    uploads = [f for f in (uploads or []) if f]
    if len(uploads) > settings.OPINION_ATTACHMENTS_MAX:
        raise errors.AttachmentRejected(
            _("At most %(n)s attachments.") % {"n": settings.OPINION_ATTACHMENTS_MAX}, field="attachments"
        )
    limit = settings.OPINION_ATTACHMENT_MAX_BYTES
    stored = []
    for upload in uploads:
        data = files.read_limited(upload, limit)
        if data is None:
            raise errors.AttachmentRejected(
                _("“%(name)s” is larger than %(mb)s MB.")
                % {"name": getattr(upload, "name", "?"), "mb": round(limit / 1024 / 1024, 1)},
                field="attachments",
            )
        content_type = files.sniff_document(data)
        if content_type is None:
            raise errors.AttachmentRejected(
                _("“%(name)s” is not a JPEG or PNG image or a PDF document.") % {"name": getattr(upload, "name", "?")},
                field="attachments",
            )
        attachment = Attachment(
            opinion=opinion,
            reply=reply,
            original_name=(getattr(upload, "name", "") or "file")[-200:],
            content_type=content_type,
            size=len(data),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # A file written by a transaction that then rolls back stays on disk unreferenced; it holds
        # nothing anyone can reach (files are served only through an attachment row).
        attachment.file.save(f"{uuid.uuid4().hex}{files.EXTENSIONS[content_type]}", ContentFile(data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# --- intake ----------------------------------------------------------------------------------------


def category_choices(region: Region | None):
    """The categories a locality offers: the default list plus its own and its ancestors'."""
    own = Q(region__isnull=True)
    if region is not None:
        own |= Q(region_id__in=path_ids(region.path))
    return Category.objects.filter(own, is_active=True)


def _wrong_code_counts(func):
    """A wrong SMS code is counted by the verification (its tries run out), but that count is rolled
    back with the submission the code failed. Count it once more afterwards, outside that transaction,
    so that nobody can guess a code by retrying the submission."""

    @functools.wraps(func)
    def wrapper(**kwargs):
        try:
            return func(**kwargs)
        except errors.PhoneNotVerified:
            if (kwargs.get("sms_code") or "").strip() and kwargs.get("phone"):
                from liaison.notifications.verification import sms_code_verify

                sms_code_verify(phone=kwargs["phone"], code=kwargs["sms_code"].strip(), purpose="opinion")
            raise

    return wrapper


@_wrong_code_counts
def opinion_submit(
    *,
    actor=None,
    channel: str,
    region: Region,
    text: str,
    title: str = "",
    category: Category | None = None,
    station=None,
    name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    location: str = "",
    latitude=None,
    longitude=None,
    notify_by: str = Opinion.NotifyBy.NONE,
    sms_code: str = "",
    verify_phone: bool = True,
    attachments=(),
    idempotency_key: str | None = None,
    received_by=None,
    received_on: datetime.date | None = None,
    language: str | None = None,
    receipt_secret: str = "",
    counted_ip: str | None = None,
) -> tuple[Opinion, str]:
    """Take in an opinion: from a citizen online (actor None) or registered by staff or a deputy.
    Returns the opinion and the submitter's receipt secret (kept in the citizen's browser to prove,
    later, that they sent it). Committed before the caller shows the tracking code.
    `receipt_secret`: the caller's own secret (the public form derives it from the form's idempotency
    key, so that the browser of a double submit gets its receipt from whichever request answers).
    `verify_phone=False`: a channel that cannot confirm a phone by SMS (Open311); the number is kept,
    unverified, and never used to send SMS.
    `counted_ip`: the address whose hourly limit of public submissions this one counts against (the
    public channels, unless the phone is confirmed by SMS): checked first (429 when used up) and
    recorded in the transaction that makes the opinion. A replay of an idempotency key is neither
    checked nor counted.
    The checks and reads come first; the transaction holds only the writes (on SQLite, the time a
    writer holds the database is the time the others wait)."""
    key = (idempotency_key or "").strip()[:64] or None
    if counted_ip:
        try:
            throttle.attempts_check(kind=PublicAttempt.Kind.SUBMIT, ip=counted_ip)
        except errors.TooManySubmissions:
            if key and (replayed := _replay(key)) is not None:
                return replayed, ""
            raise
    if channel not in Opinion.Channel.values:
        raise ValidationFailed(_("Choose how the opinion came in."), field="channel")
    staff = actor is not None
    if staff:
        if channel not in STAFF_CHANNELS:
            raise ValidationFailed(_("Choose how the opinion came in."), field="channel")
        if not rules.can(actor, "register"):
            raise errors.NotYourStep()
    elif channel not in CITIZEN_CHANNELS:
        raise ValidationFailed(_("Choose how the opinion came in."), field="channel")
    if region is None:
        raise ValidationFailed(_("Choose the place the opinion is about."), field="region")
    if station is not None:
        if not station.is_active:
            raise NotFound()
        if not region.path.startswith(station.region_path) and not station.region_path.startswith(region.path):
            region = station.region
    if staff:
        _check_register_scope(actor, region=region, station=station, received_by=received_by)
    text = _clean_text(text, field="text", minimum=5, maximum=5000, label=_("The opinion"))
    title = (title or "").strip()[:120] or _summarize(text)
    name = (name or "").strip()[:50]
    phone = (phone or "").strip()
    email = (email or "").strip()[:200]
    if phone:
        phone = crypto.normalize_phone(phone)
        if not crypto.is_mobile_phone(phone) and not (staff and 7 <= len(phone) <= 15):
            raise ValidationFailed(_("Enter a mobile phone number of 11 digits."), field="phone")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email")
    if notify_by == Opinion.NotifyBy.SMS and not phone:
        raise ValidationFailed(_("Give a phone number to be told by SMS."), field="phone")
    if notify_by == Opinion.NotifyBy.EMAIL and not email:
        raise ValidationFailed(_("Give an e-mail address to be told by e-mail."), field="email")
    if notify_by not in Opinion.NotifyBy.values:
        notify_by = Opinion.NotifyBy.NONE
    if notify_by == Opinion.NotifyBy.SMS and not verify_phone and not staff:
        raise ValidationFailed(
            _("Answers cannot be sent by SMS to a number that was not confirmed."), field="notify_by"
        )
    latitude, longitude = _coordinates(latitude, longitude)
    confirm_phone = bool(phone and not staff and settings.OPINION_SMS_VERIFICATION and verify_phone)
    if confirm_phone and not sms_code:
        raise errors.PhoneNotVerified(field="sms_code")
    if category is not None and not category_choices(region).filter(pk=category.pk).exists():
        raise ValidationFailed(_("Choose a category from the list."), field="category")
    today = _today()
    if received_on is None or not staff:
        received_on = today
    elif received_on > today:
        raise ValidationFailed(_("The date cannot be in the future."), field="received_on")
    elif received_on < today - datetime.timedelta(days=90):
        raise ValidationFailed(_("The date is more than 90 days ago."), field="received_on")
    queue_id, queue_path = queue_region_for(region)
    secret = receipt_secret or secrets.token_urlsafe(24)
    opinion = Opinion(
        channel=channel,
        region=region,
        region_path=region.path,
        queue_region_id=queue_id,
        queue_path=queue_path,
        station=station,
        category=category,
        title=title,
        text=text,
        location=(location or "").strip()[:200],
        latitude=latitude,
        longitude=longitude,
        submitter_name=name,
        submitter_phone=phone,
        submitter_email=email,
        submitter_address=(address or "").strip()[:200],
        phone_index=crypto.blind_index(phone, kind="phone") if phone else "",
        email_index=crypto.blind_index(email, kind="email") if email else "",
        phone_verified=confirm_phone,
        notify_by=notify_by,
        language=(language or get_language() or settings.LANGUAGE_CODE)[:10],
        submitter_secret=_hash_secret(secret),
        idempotency_key=key,
        received_by=received_by,
        registered_by=actor if staff else None,
        received_on=received_on,
    )
    # The idempotency key is not looked up first: the unique index answers when the insert fails,
    # which is rare (a client's retry), so the usual submission costs no extra query. The new rows
    # (the opinion, its first timeline step, the audit record, the office's notices, the address's
    # count) are written together, all or none (liaison.core.db.inserts.one_write: on PostgreSQL one
    # round trip); a failed write retries the whole. A confirmed phone's code and attachments are
    # written by statements of their own, in one transaction with the rows.
    in_transaction = confirm_phone or any(attachments or ())
    for _attempt in range(5):
        opinion.tracking_code = new_tracking_code(today)
        opinion.pk = None
        try:
            with transaction.atomic() if in_transaction else contextlib.nullcontext(), one_write():
                if confirm_phone:
                    from liaison.notifications.verification import sms_code_verify

                    if not sms_code_verify(phone=phone, code=sms_code.strip(), purpose="opinion"):
                        raise errors.PhoneNotVerified(field="sms_code")
                insert(reserve_pk(opinion))
                _opinion_submitted_rows(opinion, actor=actor if staff else None, attachments=attachments)
                if counted_ip:
                    throttle.attempt_record(kind=PublicAttempt.Kind.SUBMIT, ip=counted_ip)
            return opinion, secret
        except IntegrityError:
            if key and (replayed := _replay(key)) is not None:
                return replayed, ""
    raise errors.OpinionChanged()  # pragma: no cover - 31^12 codes; five collisions in a row do not happen


def _replay(key: str) -> Opinion | None:
    """The opinion an idempotency key already made, if any."""
    return Opinion.objects.filter(idempotency_key=key).first()


def _opinion_submitted_rows(opinion: Opinion, *, actor, attachments) -> None:
    """What a new opinion writes beside itself: its attachments, the first step of its timeline, the
    audit record and the office's notices."""
    _store_attachments(opinion, attachments, actor=actor)
    insert(
        Event(
            opinion=opinion,
            actor=actor,
            actor_label=_actor_label(actor) if actor is not None else "",
            action="submit",
            to_status=opinion.status,
            public=True,
            data={"channel": opinion.channel},
        )
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=opinion,
        object_repr=opinion.tracking_code,
        after=snapshot(opinion, secret_fields=frozenset({"submitter_secret", "idempotency_key"})),
    )
    events.emit(events.OpinionSubmitted(opinion_id=opinion.pk, opinion=opinion))


def _coordinates(latitude, longitude):
    """A map point as stored (6 decimals), both or neither; ValidationFailed when out of range."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(_("Give the latitude and longitude as numbers."), field="latitude") from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(_("The latitude or longitude is out of range."), field="latitude")
    return lat, lon


def _summarize(text: str) -> str:
    first = re.split(r"[\n。！？!?]", text.strip(), maxsplit=1)[0].strip()
    return (first[:40] + "…") if len(first) > 40 else first


def _check_register_scope(actor, *, region: Region, station, received_by) -> None:
    from liaison.accounts.scope import scope_for

    scope = scope_for(actor)
    if station is not None and station.pk in scope.station_ids:
        return
    if scope.covers_path(region.path):
        return
    if received_by is not None and received_by.pk in scope.person_ids:
        return
    raise NotFound()


# --- the office's steps ----------------------------------------------------------------------------


@transaction.atomic
def opinion_accept(
    *, actor, opinion_id, level: str, category: Category | None = None, comment: str = "", version: int | None = None
) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "accept", version=version)
    if level not in CONGRESS_LEVELS:
        raise ValidationFailed(_("Choose the level the matter belongs to."), field="level")
    if category is not None and not category_choices(opinion.region).filter(pk=category.pk).exists():
        raise ValidationFailed(_("Choose a category from the list."), field="category")
    before = opinion.status
    opinion.status = S.ACCEPTED
    opinion.level = level
    if category is not None:
        opinion.category = category
    opinion.accepted_at = opinion.accepted_at or timezone.now()
    _record(
        opinion,
        actor=actor,
        action="accept",
        from_status=before,
        comment=comment,
        public=True,
        data={"level": level, "category": category.pk if category else None},
    )
    return opinion


@transaction.atomic
def opinion_answer_on_spot(*, actor, opinion_id, answer: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "answer_on_spot", version=version)
    answer = _clean_text(answer, field="answer", minimum=2, maximum=5000, label=_("The answer"))
    before = opinion.status
    opinion.status = S.ANSWERED_ON_SPOT
    opinion.answer = answer
    opinion.answered_at = timezone.now()
    opinion.accepted_at = opinion.accepted_at or opinion.answered_at
    _record(opinion, actor=actor, action="answer_on_spot", from_status=before, public=True)
    events.emit(events.OpinionAnswered(opinion_id=opinion.pk))
    return opinion


def units_for_assignment(opinion: Opinion):
    """The handling units an opinion may be assigned to: active, of the opinion's level, in a region
    on the matter's lineage."""
    return HandlingUnit.objects.filter(
        is_active=True, level=opinion.level, region_id__in=path_ids(opinion.region_path)
    ).select_related("region")


@transaction.atomic
def opinion_assign(
    *,
    actor,
    opinion_id,
    units: list[HandlingUnit],
    deadline: datetime.date | None = None,
    instructions: str = "",
    version: int | None = None,
) -> list[Assignment]:
    opinion, _caps = _begin(actor, opinion_id, "assign", version=version)
    units = [u for u in units if u is not None]
    if not units:
        raise ValidationFailed(_("Choose at least one handling unit."), field="units")
    if not opinion.level:
        raise errors.WrongLevel(_("Set the opinion's level first."), field="units")
    if opinion.level != opinion.queue_region.level:
        raise errors.WrongLevel(
            _("This matter belongs to the %(level)s level: escalate it to that congress's office first.")
            % {"level": opinion.get_level_display()},
            field="units",
        )
    allowed_ids = set(units_for_assignment(opinion).values_list("pk", flat=True))
    for unit in units:
        if unit.pk not in allowed_ids:
            raise errors.WrongLevel(
                _("“%(unit)s” is not a handling unit at the opinion's level in its region.") % {"unit": unit.name},
                field="units",
            )
    today = _today()
    default_deadline = deadlines.add_working_days(today, settings.OPINION_REPLY_WORKING_DAYS)
    if deadline is None:
        deadline = default_deadline
    elif deadline <= today:
        raise ValidationFailed(_("The deadline must be after today."), field="deadline")
    elif deadline > deadlines.add_working_days(today, settings.OPINION_REPLY_WORKING_DAYS * 4):
        raise ValidationFailed(_("The deadline is too far away."), field="deadline")
    # A unit that has replied is not given the same opinion twice, except for re-handling after the
    # citizen was dissatisfied (reopened): then it is assigned to that unit again.
    busy = [*LIVE_ASSIGNMENT] if opinion.reopen_count else [*LIVE_ASSIGNMENT, "replied"]
    live = set(opinion.assignments.filter(status__in=busy).values_list("unit_id", flat=True))
    created = []
    for unit in units:
        if unit.pk in live:
            raise ValidationFailed(_("“%(unit)s” already has this opinion.") % {"unit": unit.name}, field="units")
        created.append(
            Assignment.objects.create(
                opinion=opinion,
                unit=unit,
                deadline=deadline,
                instructions=(instructions or "").strip()[:2000],
                assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    before = opinion.status
    opinion.status = S.ASSIGNED
    opinion.due_date = min([deadline, *([opinion.due_date] if before == S.ASSIGNED and opinion.due_date else [])])
    _record(
        opinion,
        actor=actor,
        action="assign",
        from_status=before,
        comment=instructions,
        public=True,
        data={"units": [u.pk for u in units], "unit_names": [u.name for u in units], "deadline": deadline.isoformat()},
    )
    for assignment in created:
        events.emit(events.OpinionAssigned(opinion_id=opinion.pk, assignment_id=assignment.pk))
    return created


@transaction.atomic
def opinion_escalate(*, actor, opinion_id, comment: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "escalate", version=version)
    comment = _required_comment(comment)
    if not opinion.level or _level_rank(opinion.level) >= _level_rank(opinion.queue_region.level):
        raise errors.EscalationNotPossible(
            _("Only a matter above this congress's level is escalated; set a higher level first."), field="level"
        )
    ids = path_ids(opinion.queue_path)[:-1]
    target = Region.objects.filter(pk__in=ids, level=opinion.level, congress__isnull=False).first() if ids else None
    if target is None:
        raise errors.EscalationNotPossible()
    before = opinion.status
    opinion.status = S.ESCALATED
    opinion.queue_region = target
    opinion.queue_path = target.path
    opinion.escalations += 1
    _record(
        opinion,
        actor=actor,
        action="escalate",
        from_status=before,
        comment=comment,
        public=True,
        data={"to_region": target.pk, "to_region_name": target.name},
    )
    events.emit(events.OpinionEscalated(opinion_id=opinion.pk))
    return opinion


@transaction.atomic
def opinion_redirect(*, actor, opinion_id, target: str, comment: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "redirect", version=version)
    if target not in Opinion.RedirectTarget.values:
        raise ValidationFailed(_("Choose where the matter is sent."), field="target")
    comment = _required_comment(comment)
    before = opinion.status
    opinion.status = S.REDIRECTED
    opinion.redirect_target = target
    opinion.answer = comment
    opinion.answered_at = timezone.now()
    _record(
        opinion,
        actor=actor,
        action="redirect",
        from_status=before,
        comment=comment,
        public=True,
        data={"target": target},
    )
    events.emit(events.OpinionAnswered(opinion_id=opinion.pk))
    return opinion


@transaction.atomic
def opinion_merge(*, actor, opinion_id, into: str, comment: str = "", version: int | None = None) -> Opinion:
    """Merge into an earlier opinion on the same issue, named by its tracking code. The later
    submitter is told when the earlier one is answered (or at once, when it already is)."""
    opinion, _caps = _begin(actor, opinion_id, "merge", version=version)
    code = normalize_tracking_code(into)
    target = (
        Opinion.objects.filter(rules.visible_q(actor), tracking_code=code).first()
        if actor is not None
        else Opinion.objects.filter(tracking_code=code).first()
    )
    if target is None:
        raise errors.MergeNotPossible(_("No opinion with that tracking code in your area."), field="into")
    if target.pk == opinion.pk or target.status in (S.MERGED, S.REDIRECTED) or target.created_at > opinion.created_at:
        raise errors.MergeNotPossible(
            _("Merge into an earlier opinion that is itself neither merged nor redirected."), field="into"
        )
    before = opinion.status
    opinion.status = S.MERGED
    opinion.merged_into = target
    _record(
        opinion,
        actor=actor,
        action="merge",
        from_status=before,
        comment=comment,
        public=True,
        data={"into": target.tracking_code},
    )
    if target.status in (S.ANSWERED_ON_SPOT, S.FED_BACK, S.CLOSED):
        events.emit(events.OpinionAnswered(opinion_id=opinion.pk))
    return opinion


def _assignment_for_unit(opinion: Opinion, actor, assignment_id) -> Assignment:
    try:
        assignment = (
            Assignment.objects.select_for_update().select_related("unit").get(pk=assignment_id, opinion=opinion)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if actor is not None and assignment.unit_id not in rules.unit_ids_of(actor):
        raise NotFound()
    return assignment


def _settle(opinion: Opinion) -> None:
    """After an assignment changed: the opinion is replied when every live assignment has replied,
    back with the office when none is left; its due date is the earliest live deadline."""
    rows = list(opinion.assignments.all())
    live = [a for a in rows if a.status in LIVE_ASSIGNMENT]
    replied = [a for a in rows if a.status == Assignment.Status.REPLIED]
    opinion.due_date = min((a.deadline for a in live), default=None)
    if not live and replied:
        opinion.status = S.REPLIED
    elif not live:
        opinion.status = S.ACCEPTED


@transaction.atomic
def assignment_withdraw(*, actor, opinion_id, assignment_id, comment: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "withdraw_assignment", version=version)
    comment = _required_comment(comment)
    try:
        assignment = opinion.assignments.select_for_update().get(pk=assignment_id, status__in=LIVE_ASSIGNMENT)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    assignment.status = Assignment.Status.WITHDRAWN
    assignment.save(update_fields=["status", "updated_at"])
    before = opinion.status
    _settle(opinion)
    _record(
        opinion,
        actor=actor,
        action="withdraw_assignment",
        from_status=before,
        comment=comment,
        data={"unit": assignment.unit_id, "unit_name": assignment.unit.name},
    )
    if opinion.status == S.REPLIED:
        events.emit(events.OpinionReplied(opinion_id=opinion.pk))
    return opinion


# --- the handling unit's steps ---------------------------------------------------------------------


@transaction.atomic
def assignment_accept(*, actor, opinion_id, assignment_id, version: int | None = None) -> Assignment:
    opinion, _caps = _begin(actor, opinion_id, "unit_accept", version=version)
    assignment = _assignment_for_unit(opinion, actor, assignment_id)
    if assignment.status != Assignment.Status.PENDING:
        raise errors.TransitionNotAllowed(_("The unit has already accepted or answered this assignment."))
    assignment.status = Assignment.Status.ACCEPTED
    assignment.accepted_at = timezone.now()
    assignment.save(update_fields=["status", "accepted_at", "updated_at"])
    _record(
        opinion,
        actor=actor,
        action="unit_accept",
        from_status=opinion.status,
        public=True,
        data={"unit": assignment.unit_id, "unit_name": assignment.unit.name},
        fields=[],
    )
    return assignment


@transaction.atomic
def assignment_return(*, actor, opinion_id, assignment_id, reason: str, version: int | None = None) -> Assignment:
    """The unit sends the opinion back (not its matter), with the reason."""
    opinion, _caps = _begin(actor, opinion_id, "unit_return", version=version)
    reason = _required_comment(reason, field="reason")
    assignment = _assignment_for_unit(opinion, actor, assignment_id)
    if assignment.status not in LIVE_ASSIGNMENT:
        raise errors.TransitionNotAllowed(_("This assignment is no longer open."))
    assignment.status = Assignment.Status.RETURNED
    assignment.returned_reason = reason
    assignment.save(update_fields=["status", "returned_reason", "updated_at"])
    before = opinion.status
    _settle(opinion)
    _record(
        opinion,
        actor=actor,
        action="unit_return",
        from_status=before,
        comment=reason,
        data={"unit": assignment.unit_id, "unit_name": assignment.unit.name},
    )
    events.emit(events.AssignmentReturned(opinion_id=opinion.pk, assignment_id=assignment.pk))
    if opinion.status == S.REPLIED:
        events.emit(events.OpinionReplied(opinion_id=opinion.pk))
    return assignment


@transaction.atomic
def assignment_contact_add(
    *, actor, opinion_id, assignment_id, kind: str, date: datetime.date, note: str, version: int | None = None
) -> UnitContact:
    opinion, _caps = _begin(actor, opinion_id, "unit_contact", version=version)
    assignment = _assignment_for_unit(opinion, actor, assignment_id)
    if kind not in UnitContact.Kind.values:
        raise ValidationFailed(_("Choose the kind of contact."), field="kind")
    if date is None or date > _today():
        raise ValidationFailed(_("The date cannot be in the future."), field="date")
    note = _clean_text(note, field="note", minimum=2, maximum=2000, label=_("The note"))
    contact = UnitContact.objects.create(assignment=assignment, kind=kind, date=date, note=note, author=actor)
    _record(
        opinion,
        actor=actor,
        action="unit_contact",
        from_status=opinion.status,
        comment=note,
        data={"unit": assignment.unit_id, "kind": kind, "date": date.isoformat()},
        fields=[],
    )
    return contact


@transaction.atomic
def assignment_reply(
    *, actor, opinion_id, assignment_id, text: str, attachments=(), version: int | None = None
) -> Reply:
    opinion, _caps = _begin(actor, opinion_id, "reply", version=version)
    assignment = _assignment_for_unit(opinion, actor, assignment_id)
    if assignment.status not in LIVE_ASSIGNMENT:
        raise errors.TransitionNotAllowed(_("This assignment is no longer open."))
    text = _clean_text(text, field="text", minimum=5, maximum=10000, label=_("The reply"))
    reply = Reply.objects.create(assignment=assignment, text=text, author=actor)
    _store_attachments(opinion, attachments, actor=actor, reply=reply)
    now = timezone.now()
    assignment.status = Assignment.Status.REPLIED
    assignment.replied_at = now
    assignment.accepted_at = assignment.accepted_at or now
    assignment.save(update_fields=["status", "replied_at", "accepted_at", "updated_at"])
    before = opinion.status
    _settle(opinion)
    _record(
        opinion,
        actor=actor,
        action="reply",
        from_status=before,
        public=True,
        data={
            "unit": assignment.unit_id,
            "unit_name": assignment.unit.name,
            "on_time": _today() <= assignment.deadline,
        },
    )
    if opinion.status == S.REPLIED:
        events.emit(events.OpinionReplied(opinion_id=opinion.pk))
    return reply


def extension_latest(assignment: Assignment) -> datetime.date:
    """The latest reply date a unit may ask for: OPINION_MAX_EXTENSION_WORKING_DAYS working days after
    its current deadline."""
    return deadlines.add_working_days(assignment.deadline, settings.OPINION_MAX_EXTENSION_WORKING_DAYS)


@transaction.atomic
def extension_request(
    *, actor, opinion_id, assignment_id, deadline: datetime.date, reason: str, version: int | None = None
) -> Extension:
    opinion, _caps = _begin(actor, opinion_id, "unit_extension", version=version)
    assignment = _assignment_for_unit(opinion, actor, assignment_id)
    if assignment.status not in LIVE_ASSIGNMENT:
        raise errors.TransitionNotAllowed(_("This assignment is no longer open."))
    reason = _required_comment(reason, field="reason")
    latest = extension_latest(assignment)
    if deadline is None or deadline <= assignment.deadline or deadline > latest:
        raise errors.ExtensionNotPossible(
            _("Choose a date after %(current)s and no later than %(latest)s.")
            % {"current": assignment.deadline.isoformat(), "latest": latest.isoformat()},
            field="deadline",
        )
    if assignment.extensions.filter(status=Extension.Status.PENDING).exists():
        raise errors.ExtensionNotPossible(_("A request for more time is already waiting for a decision."))
    extension = Extension.objects.create(
        assignment=assignment, requested_deadline=deadline, reason=reason, requested_by=actor
    )
    _record(
        opinion,
        actor=actor,
        action="unit_extension",
        from_status=opinion.status,
        comment=reason,
        data={"unit": assignment.unit_id, "deadline": deadline.isoformat()},
        fields=[],
    )
    events.emit(events.ExtensionRequested(opinion_id=opinion.pk, extension_id=extension.pk))
    return extension


@transaction.atomic
def extension_decide(
    *, actor, opinion_id, extension_id, approve: bool, note: str = "", version: int | None = None
) -> Extension:
    opinion, _caps = _begin(actor, opinion_id, "decide_extension", version=version)
    try:
        extension = (
            Extension.objects.select_for_update()
            .select_related("assignment")
            .get(pk=extension_id, assignment__opinion=opinion, status=Extension.Status.PENDING)
        )
    except (Extension.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not approve:
        note = _required_comment(note, field="note")
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = (note or "").strip()[:2000]
    extension.save()
    if approve:
        assignment = extension.assignment
        assignment.deadline = extension.requested_deadline
        assignment.reminded_on = None
        assignment.overdue_notified = False
        assignment.save(update_fields=["deadline", "reminded_on", "overdue_notified", "updated_at"])
        _settle(opinion)
    _record(
        opinion,
        actor=actor,
        action="decide_extension",
        from_status=opinion.status,
        comment=note,
        public=approve,
        data={"approved": approve, "deadline": extension.requested_deadline.isoformat()},
    )
    events.emit(events.ExtensionDecided(opinion_id=opinion.pk, extension_id=extension.pk))
    return extension


# --- back to the citizen ---------------------------------------------------------------------------


def replies_text(opinion: Opinion) -> str:
    """The units' replies, joined: the starting point of the answer fed back to the citizen."""
    rows = Reply.objects.filter(assignment__opinion=opinion, assignment__status="replied").select_related(
        "assignment__unit"
    )
    return "\n\n".join(f"{r.assignment.unit.name}：{r.text}" for r in rows)


@transaction.atomic
def opinion_feed_back(*, actor, opinion_id, answer: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "feed_back", version=version)
    answer = _clean_text(answer, field="answer", minimum=5, maximum=10000, label=_("The answer"))
    before = opinion.status
    opinion.status = S.FED_BACK
    opinion.answer = answer
    opinion.answered_at = timezone.now()
    _record(opinion, actor=actor, action="feed_back", from_status=before, public=True)
    events.emit(events.OpinionAnswered(opinion_id=opinion.pk))
    for merged_id in opinion.merged.values_list("pk", flat=True):
        events.emit(events.OpinionAnswered(opinion_id=merged_id))
    return opinion


@transaction.atomic
def opinion_return_visit(
    *,
    actor,
    opinion_id,
    satisfaction: str,
    method: str,
    comment: str = "",
    version: int | None = None,
) -> Opinion:
    """回访 by staff: closes the opinion when the citizen is satisfied or basically satisfied; the first
    "dissatisfied" reopens it once for re-handling, a second one closes it."""
    opinion, _caps = _begin(actor, opinion_id, "return_visit", version=version)
    if method not in ReturnVisit.Method.values or method == ReturnVisit.Method.ONLINE:
        raise ValidationFailed(_("Choose how the citizen was reached."), field="method")
    if satisfaction not in Opinion.Satisfaction.values:
        raise ValidationFailed(_("Choose how satisfied the citizen is."), field="satisfaction")
    comment = (comment or "").strip()[:2000]
    ReturnVisit.objects.create(
        opinion=opinion, method=method, satisfaction=satisfaction, comment=comment, recorded_by=actor
    )
    before = opinion.status
    opinion.satisfaction = satisfaction
    reopen = satisfaction == Opinion.Satisfaction.DISSATISFIED and opinion.reopen_count == 0
    if reopen:
        opinion.status = S.ACCEPTED
        opinion.reopen_count = 1
        opinion.due_date = None
    else:
        opinion.status = S.CLOSED
        opinion.closed_at = timezone.now()
    _record(
        opinion,
        actor=actor,
        action="reopen" if reopen else "return_visit",
        from_status=before,
        comment=comment,
        public=True,
        data={"satisfaction": satisfaction, "method": method},
    )
    if reopen:
        events.emit(events.OpinionReopened(opinion_id=opinion.pk))
    return opinion


def rated_since_answer(opinion: Opinion) -> bool:
    """Has the citizen already rated the current answer online?"""
    if opinion.answered_at is None:
        return False
    return opinion.visits.filter(method=ReturnVisit.Method.ONLINE, created_at__gte=opinion.answered_at).exists()


@transaction.atomic
def _citizen_rating(*, opinion_id, satisfaction: str, comment: str) -> Opinion:
    """The citizen's own rating of the answer: recorded, shown to the office and on the tracking page;
    the office's return visit, which reads it, closes or reopens the opinion."""
    opinion = _lock(opinion_id)
    if not allowed("rate", opinion.status, {"citizen"}):
        raise errors.TransitionNotAllowed(_("The answer can be rated once it has been given."))
    if rated_since_answer(opinion):
        raise errors.TransitionNotAllowed(_("You have already rated this answer. Thank you."))
    if satisfaction not in Opinion.Satisfaction.values:
        raise ValidationFailed(_("Choose how satisfied you are."), field="satisfaction")
    comment = (comment or "").strip()[:2000]
    ReturnVisit.objects.create(
        opinion=opinion, method=ReturnVisit.Method.ONLINE, satisfaction=satisfaction, comment=comment
    )
    opinion.satisfaction = satisfaction
    _record(
        opinion,
        actor=None,
        action="rate",
        from_status=opinion.status,
        comment=comment,
        public=True,
        data={"satisfaction": satisfaction},
        fields=["satisfaction"],
    )
    events.emit(events.OpinionRated(opinion_id=opinion.pk))
    return opinion


@transaction.atomic
def opinion_close(*, actor, opinion_id, comment: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "close", version=version)
    comment = _required_comment(comment)
    before = opinion.status
    opinion.status = S.CLOSED
    opinion.closed_at = timezone.now()
    _record(opinion, actor=actor, action="close", from_status=before, comment=comment, public=True)
    return opinion


@transaction.atomic
def opinion_taken_up(*, actor, opinion_id, suggestion_id: int) -> Event:
    """A deputy took the matter up in a suggestion (liaison.proposals): a public step on the opinion's
    timeline — the citizen's tracking page says it was converted to a suggestion — and an audit
    record. The opinion's own state and handling do not change."""
    opinion = Opinion.objects.filter(pk=opinion_id).first() if str(opinion_id).isdigit() else None
    if opinion is None:
        raise NotFound()
    event = Event.objects.create(
        opinion=opinion,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor)[:150],
        action="taken_up",
        from_status=opinion.status,
        to_status=opinion.status,
        public=True,
        data={"suggestion": suggestion_id},
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=opinion,
        object_repr=opinion.tracking_code,
        after={"taken_up_by_suggestion": suggestion_id},
        reason="taken_up",
    )
    return event


def submitter_proven(opinion: Opinion, *, secret: str = "", phone: str = "", sms_code: str = "") -> bool:
    """Is this the person who sent the opinion? Either the receipt kept in their browser at
    submission, or an SMS code sent to the phone number on the opinion."""
    if secret and opinion.submitter_secret and secrets.compare_digest(_hash_secret(secret), opinion.submitter_secret):
        return True
    if phone and sms_code and opinion.phone_index:
        from liaison.notifications.verification import sms_code_verify

        if crypto.blind_index(phone, kind="phone") == opinion.phone_index:
            return sms_code_verify(phone=phone, code=sms_code, purpose="rating")
    return False


def rating_code_send(*, tracking_code: str, phone: str, ip: str | None) -> None:
    """Send an SMS code for rating to `phone` when it is the number given with the opinion, and do
    nothing otherwise: the caller says the same either way, so the page cannot be used to test which
    number sent an opinion. A malformed number is still an error (InvalidPhone); the limits of
    sms_code_send apply (TooManyCodes)."""
    from liaison.notifications.verification import sms_code_send

    number = crypto.normalize_phone(phone or "")
    if not crypto.is_mobile_phone(number):
        from liaison.notifications.exceptions import InvalidPhone

        raise InvalidPhone(field="phone")
    opinion = Opinion.objects.filter(tracking_code=normalize_tracking_code(tracking_code)).first()
    if opinion is None or not opinion.phone_index or opinion.contact_purged_at:
        return
    if crypto.blind_index(number, kind="phone") == opinion.phone_index:
        sms_code_send(phone=number, ip=ip, purpose="rating")


def opinion_rate(
    *, tracking_code: str, satisfaction: str, comment: str = "", secret: str = "", phone: str = "", sms_code: str = ""
) -> Opinion:
    """The citizen rates the answer on the tracking page."""
    opinion = Opinion.objects.filter(tracking_code=normalize_tracking_code(tracking_code)).first()
    if opinion is None:
        raise NotFound()
    if not submitter_proven(opinion, secret=secret, phone=phone, sms_code=sms_code):
        raise errors.SubmitterNotProven()
    return _citizen_rating(opinion_id=opinion.pk, satisfaction=satisfaction, comment=comment)


# --- publication -----------------------------------------------------------------------------------

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE_NUMBER = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def redact(text: str, *, names: list[str] = ()) -> str:
    """What may be published: ID numbers, phone numbers, e-mail addresses and the submitter's name
    replaced by asterisks (002 §4(3): results published without personal data)."""
    text = ID_NUMBER.sub(lambda m: m.group(0)[:1] + "*" * 16 + m.group(0)[-1:], text or "")
    text = PHONE_NUMBER.sub(lambda m: crypto.mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    text = EMAIL.sub("***@***", text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def publication_preview(opinion: Opinion) -> dict:
    names = [opinion.submitter_name] if opinion.submitter_name else []
    return {
        "title": redact(opinion.title, names=names),
        "text": redact(opinion.text, names=names),
        "answer": redact(opinion.answer, names=names),
    }


@transaction.atomic
def opinion_publish(*, actor, opinion_id, title: str, text: str, answer: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "publish", version=version)
    title = _clean_text(title, field="title", minimum=2, maximum=120, label=_("The subject"))
    text = _clean_text(text, field="text", minimum=5, maximum=5000, label=_("The text"))
    answer = _clean_text(answer, field="answer", minimum=5, maximum=10000, label=_("The answer"))
    names = [opinion.submitter_name] if opinion.submitter_name else []
    # whatever the editor typed, personal data found again is masked once more
    opinion.published_title = redact(title, names=names)
    opinion.published_text = redact(text, names=names)
    opinion.published_answer = redact(answer, names=names)
    opinion.is_published = True
    opinion.published_at = opinion.published_at or timezone.now()
    _record(opinion, actor=actor, action="publish", from_status=opinion.status)
    return opinion


@transaction.atomic
def opinion_unpublish(*, actor, opinion_id, comment: str, version: int | None = None) -> Opinion:
    opinion, _caps = _begin(actor, opinion_id, "unpublish", version=version)
    if not opinion.is_published:
        raise errors.TransitionNotAllowed(_("The opinion is not published."))
    comment = _required_comment(comment)
    opinion.is_published = False
    opinion.published_at = None
    _record(opinion, actor=actor, action="unpublish", from_status=opinion.status, comment=comment)
    return opinion


# --- personal data -----------------------------------------------------------------------------------


@transaction.atomic
def opinion_contact_reveal(*, actor, opinion_id) -> dict:
    """The full contact data, for a handler or a unit handling it; every look is in the audit trail."""
    opinion = Opinion.objects.filter(pk=opinion_id).first() if str(opinion_id).isdigit() else None
    if opinion is None:
        raise NotFound()
    caps = rules.capacities(actor, opinion)
    if not caps & {"handler", "unit", "receiver"}:
        if Opinion.objects.filter(rules.visible_q(actor), pk=opinion.pk).exists():
            raise errors.NotYourStep()
        raise NotFound()
    if opinion.contact_purged_at:
        raise errors.ContactPurged()
    audit_record(
        actor=actor, action=AuditLog.Action.VIEW, obj=opinion, object_repr=opinion.tracking_code, reason="contact"
    )
    return {
        "name": opinion.submitter_name,
        "phone": opinion.submitter_phone,
        "email": opinion.submitter_email,
        "address": opinion.submitter_address,
    }


@transaction.atomic
def opinion_contacts_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the contact data of opinions closed (or redirected, merged) longer ago than
    OPINION_CONTACT_RETENTION_DAYS. The opinion, its text and its history stay."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.OPINION_CONTACT_RETENTION_DAYS)
    rows = list(
        Opinion.objects.select_for_update()
        .filter(contact_purged_at__isnull=True, status__in=[S.CLOSED, S.REDIRECTED, S.MERGED], updated_at__lt=limit)
        .values_list("pk", "tracking_code")[:5000]
    )
    if not rows:
        return 0
    ids = [pk for pk, _code in rows]
    Opinion.objects.filter(pk__in=ids).update(
        submitter_name="",
        submitter_phone="",
        submitter_email="",
        submitter_address="",
        phone_index="",
        email_index="",
        contact_purged_at=now,
    )
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                action=AuditLog.Action.DELETE,
                model=Opinion._meta.label,
                object_id=str(pk),
                object_repr=code,
                reason="contact data purged after the retention period",
            )
            for pk, code in rows
        ]
    )
    return len(rows)


# --- deadlines ---------------------------------------------------------------------------------------


def assignments_remind(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Remind units of replies due within OPINION_REMIND_WORKING_DAYS working days (once a day at
    most) and tell the unit and the liaison office once when a reply is overdue. Returns (reminded,
    overdue)."""
    today = today or _today()
    horizon = deadlines.add_working_days(today, settings.OPINION_REMIND_WORKING_DAYS)
    reminded = overdue = 0
    due_soon = Assignment.objects.filter(
        status__in=LIVE_ASSIGNMENT, deadline__gte=today, deadline__lte=horizon
    ).exclude(reminded_on=today)
    for assignment in due_soon.iterator():
        with transaction.atomic():
            Assignment.objects.filter(pk=assignment.pk).update(reminded_on=today)
            days_left = deadlines.working_days_between(today, assignment.deadline)
            events.emit(events.AssignmentDueSoon(assignment_id=assignment.pk, days_left=days_left))
        reminded += 1
    late = Assignment.objects.filter(status__in=LIVE_ASSIGNMENT, deadline__lt=today, overdue_notified=False)
    for assignment in late.iterator():
        with transaction.atomic():
            if Assignment.objects.filter(pk=assignment.pk, overdue_notified=False).update(overdue_notified=True):
                events.emit(events.AssignmentOverdue(assignment_id=assignment.pk))
                overdue += 1
    return reminded, overdue


@transaction.atomic
def opinion_register(
    *,
    actor,
    channel: str,
    region: Region,
    station,
    text: str,
    category: Category | None = None,
    received_by=None,
    received_on: datetime.date | None = None,
    name: str = "",
    phone: str = "",
    answer: str = "",
    idempotency_key: str | None = None,
) -> Opinion:
    """民情工作日志: an opinion heard at a station (visit, call, letter, group activity, inspection),
    registered by staff or a deputy and, when it was answered on the spot, answered at once — in one
    transaction, so a rejected answer registers nothing. A repeated submission (same key) returns the
    entry already made."""
    opinion, secret = opinion_submit(
        actor=actor,
        channel=channel,
        region=region,
        station=station,
        text=text,
        category=category,
        received_by=received_by,
        received_on=received_on,
        name=name,
        phone=phone,
        idempotency_key=idempotency_key,
    )
    if not secret:  # the same form sent twice: already registered (and answered)
        return opinion
    if (answer or "").strip():
        opinion = opinion_answer_on_spot(actor=actor, opinion_id=opinion.pk, answer=answer, version=opinion.version)
    return opinion


# --- categories of a locality ------------------------------------------------------------------------


def _officer_covers(actor, region: Region | None) -> bool:
    return region is not None and any(
        region.path.startswith(r.region.path) for r in actor.active_roles() if r.kind == "liaison_officer"
    )


def _category_code(code: str, name: str) -> str:
    from django.utils.text import slugify

    return slugify(code or "")[:40] or slugify(name)[:40] or f"c-{secrets.token_hex(4)}"


@transaction.atomic
def category_create(*, actor, region: Region, name: str, code: str = "", sort: int = 100) -> Category:
    """A category of the liaison office's own region (its subtree sees it beside the default list)."""
    if not rules.can(actor, "manage_categories"):
        raise errors.NotYourStep()
    if not _officer_covers(actor, region):
        raise NotFound()
    Region.objects.select_for_update().filter(pk=region.pk).first()  # serialise sibling checks
    name = _clean_text(name, field="name", minimum=1, maximum=60, label=_("The name"))
    if category_choices(region).filter(name=name).exists():
        raise ValidationFailed(_("A category of this name is already offered in this region."), field="name")
    code = _category_code(code, name)
    if Category.objects.filter(Q(region=region) | Q(region__isnull=True), code=code).exists():
        raise ValidationFailed(_("This code is already used; choose another."), field="code")
    category = Category.objects.create(region=region, name=name, code=code, sort=max(0, min(int(sort), 32767)))
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=category, after=snapshot(category))
    return category


@transaction.atomic
def category_update(*, actor, category_id, name: str, sort: int, is_active: bool) -> Category:
    """Rename, reorder, deactivate or reactivate one of the region's own categories; the default list
    is not changed here. A deactivated category stays on the opinions that have it."""
    if not rules.can(actor, "manage_categories"):
        raise errors.NotYourStep()
    category = Category.objects.select_for_update(of=("self",)).select_related("region").filter(pk=category_id).first()
    if category is None or not (category.region_id is None or _officer_covers(actor, category.region)):
        raise NotFound()
    if category.region_id is None:
        raise errors.NotYourStep(_("The default list cannot be changed here."))
    name = _clean_text(name, field="name", minimum=1, maximum=60, label=_("The name"))
    if name != category.name and category_choices(category.region).filter(name=name).exclude(pk=category.pk).exists():
        raise ValidationFailed(_("A category of this name is already offered in this region."), field="name")
    before = snapshot(category)
    category.name = name
    category.sort = max(0, min(int(sort), 32767))
    category.is_active = bool(is_active)
    category.save(update_fields=["name", "sort", "is_active", "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=category, before=before, after=snapshot(category))
    return category
