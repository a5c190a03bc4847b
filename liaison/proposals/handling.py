"""The handling of an assigned suggestion or accepted motion by the units (003 §24–25), shared by both:
accept or send back, contacts with the deputies, the co-units' opinions, more time, the reply with
its class, and the commitments of class B replies.

Each function takes the assignment (the unit's piece of the item), locks the item first and then the
assignment — the same order everywhere, so two steps on one item never deadlock — and checks like
every step of the app (services.begin): scope, capacity, version, state.

Decisions:
- **The lead unit sends it back** (wrong unit): the round's live co-assignments are withdrawn with it
  and the item goes back to the office — a suggestion to `registered`, a motion to `accepted` — to be
  assigned again; the new assignment starts a new period (the units that had it do not eat into the
  right unit's three months). A co-unit that sends it back only leaves; the lead unit goes on.
- **More time (003 §24).** Only the lead unit asks, for a date after the current deadline and no later
  than the round's latest possible deadline: six months (SUGGESTION_MAX_MONTHS) after assignment.
  The office decides for the assigning organ; the explanation to the deputies is required and they
  are told; an approved date becomes the deadline of every live assignment of the round.
- **The reply** is the lead unit's, with class A, B or C; class B states at least one commitment,
  which stays open until the unit reports it fulfilled. The reply closes the round: a co-unit that
  sent no opinion by then keeps its assignment as it was (it was assigned, it did not answer) but
  has nothing left to do — the queues and reminders look at the items still being handled.
- **Documents** of replies and co-opinions are PDF or Word files, judged by their content
  (liaison.core.files), never by their name.
"""

import datetime
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from liaison.core import deadlines, files
from liaison.core.exceptions import NotFound, ValidationFailed

from . import events, rules
from . import exceptions as errors
from . import services as base
from .models import Assignment, Commitment, Extension, Motion, Reply, Suggestion, UnitContact
from .workflow import LIVE_ASSIGNMENT, MOTION_HANDLING_STATES, SUGGESTION_HANDLING_STATES

A = Assignment.Status
DOCUMENT_MAX_BYTES = getattr(settings, "PROPOSAL_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
MAX_COMMITMENTS = 20


# --- loading -----------------------------------------------------------------------------------------


def _item_of_assignment(assignment_id) -> tuple[type, int]:
    row = Assignment.objects.filter(pk=base.pk_of(assignment_id)).values("suggestion_id", "motion_id").first()
    if row is None:
        raise NotFound()
    return (Suggestion, row["suggestion_id"]) if row["suggestion_id"] else (Motion, row["motion_id"])


def _begin(actor, assignment_id, action: str, *, version=None, own: bool = True):
    """Lock the item, check the step, then lock the assignment (of the user's unit when `own`)."""
    model, item_pk = _item_of_assignment(assignment_id)
    item, caps = base.begin(model, actor, item_pk, action, version=version)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("unit").get(pk=assignment_id)
    if own and assignment.unit_id not in rules.unit_ids_of(actor):
        raise NotFound()
    return item, assignment, caps


def _live_in_round(item, assignment: Assignment, *, role: str | None = None) -> None:
    if assignment.status not in LIVE_ASSIGNMENT or assignment.round != getattr(item, "round", 1):
        raise errors.TransitionNotAllowed(_("This assignment is no longer open."))
    if role is not None and assignment.role != role:
        raise errors.NotYourStep(
            _("Only the lead unit can do this.") if role == Assignment.Role.LEAD else _("Only a co-unit can do this.")
        )


def _round_live(item, *, exclude: int | None = None):
    qs = Assignment.objects.select_for_update(of=("self",)).filter(
        **{base.item_kind(item): item}, round=getattr(item, "round", 1), status__in=LIVE_ASSIGNMENT
    )
    return qs.exclude(pk=exclude) if exclude else qs


def latest_deadline(item, assignment: Assignment) -> datetime.date:
    """The latest deadline an extension may reach: six months (SUGGESTION_MAX_MONTHS) after the round's
    assignment (003 §24)."""
    cap = getattr(item, "deadline_cap", None)
    return cap or deadlines.add_months(assignment.assigned_on, settings.SUGGESTION_MAX_MONTHS)


def _document(upload) -> tuple[ContentFile | None, str]:
    """A reply document checked by its content: PDF or Word. (file to save, original name)."""
    if not upload:
        return None, ""
    data = files.read_limited(upload, DOCUMENT_MAX_BYTES)
    name = (getattr(upload, "name", "") or "document")[-200:]
    if data is None:
        raise errors.DocumentRejected(
            _("“%(name)s” is larger than %(mb)s MB.")
            % {"name": name, "mb": round(DOCUMENT_MAX_BYTES / 1024 / 1024, 1)},
            field="document",
        )
    content_type = files.sniff_document(data)
    extension = ".pdf" if content_type == "application/pdf" else None
    if extension is None:
        content_type = files.sniff_word(data)
        extension = files.WORD_EXTENSIONS.get(content_type)
    if extension is None:
        raise errors.DocumentRejected(_("“%(name)s” is not a PDF or Word document.") % {"name": name}, field="document")
    return ContentFile(data, name=f"{uuid.uuid4().hex}{extension}"), name


def _unit_data(assignment: Assignment, **extra) -> dict:
    return {"unit": assignment.unit_id, "unit_name": assignment.unit.name, "role": assignment.role, **extra}


# --- accept, send back, contacts -----------------------------------------------------------------------


@transaction.atomic
def assignment_accept(*, actor, assignment_id, version=None) -> Assignment:
    item, assignment, _caps = _begin(actor, assignment_id, "unit_accept", version=version)
    _live_in_round(item, assignment)
    if assignment.status != A.PENDING:
        raise errors.TransitionNotAllowed(_("The unit has already accepted this assignment."))
    assignment.status = A.ACCEPTED
    assignment.accepted_at = base.now()
    assignment.save(update_fields=["status", "accepted_at", "updated_at"])
    base.record(
        item, actor=actor, action="unit_accept", from_status=item.status, data=_unit_data(assignment), fields=[]
    )
    return assignment


@transaction.atomic
def assignment_return(*, actor, assignment_id, reason: str, version=None) -> Assignment:
    """The unit sends the item back (it is not theirs to handle), with the reason. The lead unit's
    return takes the round back to the office."""
    item, assignment, _caps = _begin(actor, assignment_id, "unit_return", version=version)
    _live_in_round(item, assignment)
    reason = base.required_reason(reason, field="reason")
    assignment.status = A.RETURNED
    assignment.returned_reason = reason
    assignment.save(update_fields=["status", "returned_reason", "updated_at"])
    before = item.status
    data = _unit_data(assignment)
    if assignment.role == Assignment.Role.LEAD:
        released = list(_round_live(item, exclude=assignment.pk).select_related("unit"))
        for row in released:
            row.status = A.WITHDRAWN
            row.save(update_fields=["status", "updated_at"])
        data["released"] = [row.unit_id for row in released]
        if isinstance(item, Suggestion):
            item.status = Suggestion.Status.REGISTERED
            item.assigned_on = item.deadline = item.deadline_cap = None
        else:
            item.status = Motion.Status.ACCEPTED
    base.record(item, actor=actor, action="unit_return", from_status=before, comment=reason, data=data)
    events.emit(events.AssignmentReturned(assignment_id=assignment.pk))
    return assignment


@transaction.atomic
def assignment_contact_add(
    *, actor, assignment_id, kind: str, date: datetime.date, note: str, version=None
) -> UnitContact:
    """座谈, 调研, 电话, 信函 (003 §25): the unit's contact with the deputies while handling."""
    item, assignment, _caps = _begin(actor, assignment_id, "unit_contact", version=version)
    _live_in_round(item, assignment)
    if kind not in UnitContact.Kind.values:
        raise ValidationFailed(_("Choose the kind of contact."), field="kind")
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationFailed(_("Enter a valid date."), field="date")
    if date > base.today():
        raise ValidationFailed(_("The date cannot be in the future."), field="date")
    if date < assignment.assigned_on:
        raise ValidationFailed(_("The date cannot be before the assignment."), field="date")
    note = base.clean_text(note, field="note", minimum=2, maximum=2000, label=_("The note"))
    contact = UnitContact.objects.create(assignment=assignment, kind=kind, date=date, note=note, author=actor)
    base.record(
        item,
        actor=actor,
        action="unit_contact",
        from_status=item.status,
        comment=note,
        data=_unit_data(assignment, kind=kind, date=date.isoformat()),
        fields=[],
    )
    return contact


# --- co-units ------------------------------------------------------------------------------------------


@transaction.atomic
def assignment_co_opinion(*, actor, assignment_id, text: str, document=None, version=None) -> Reply:
    """A co-unit sends its opinion to the lead unit (003 §25: co-units support the lead unit)."""
    item, assignment, _caps = _begin(actor, assignment_id, "co_opinion", version=version)
    _live_in_round(item, assignment, role=Assignment.Role.CO)
    text = base.clean_text(text, field="text", minimum=5, maximum=20000, label=_("The opinion"))
    upload, name = _document(document)
    reply = Reply(assignment=assignment, kind=Reply.Kind.CO_OPINION, text=text, author=actor, document_name=name)
    if upload is not None:
        reply.document.save(upload.name, upload, save=False)
    reply.save()
    assignment.status = A.REPLIED
    assignment.replied_at = base.now()
    assignment.accepted_at = assignment.accepted_at or assignment.replied_at
    assignment.save(update_fields=["status", "replied_at", "accepted_at", "updated_at"])
    base.record(item, actor=actor, action="co_opinion", from_status=item.status, data=_unit_data(assignment), fields=[])
    events.emit(events.CoOpinionSent(reply_id=reply.pk))
    return reply


# --- more time -----------------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, actor, assignment_id, deadline: datetime.date, reason: str, version=None) -> Extension:
    item, assignment, _caps = _begin(actor, assignment_id, "request_extension", version=version)
    _live_in_round(item, assignment, role=Assignment.Role.LEAD)
    reason = base.required_reason(reason, field="reason")
    if not isinstance(deadline, datetime.date) or isinstance(deadline, datetime.datetime):
        raise ValidationFailed(_("Enter a valid date."), field="deadline")
    cap = latest_deadline(item, assignment)
    if deadline <= assignment.deadline:
        raise errors.ExtensionNotPossible(
            _("The new deadline must be after the current one (%(current)s).")
            % {"current": assignment.deadline.isoformat()},
            field="deadline",
        )
    if deadline > cap:
        raise errors.ExtensionTooLong(
            _(
                "An extension past six months after assignment is not allowed (003 §24): "
                "the latest possible deadline is %(cap)s."
            )
            % {"cap": cap.isoformat()},
            field="deadline",
        )
    if assignment.extensions.filter(status=Extension.Status.PENDING).exists():
        raise errors.ExtensionNotPossible(_("A request for more time is already waiting for a decision."))
    extension = Extension.objects.create(
        assignment=assignment, requested_deadline=deadline, reason=reason, requested_by=actor
    )
    base.record(
        item,
        actor=actor,
        action="request_extension",
        from_status=item.status,
        comment=reason,
        data=_unit_data(assignment, deadline=deadline.isoformat(), extension=extension.pk),
        fields=[],
    )
    events.emit(events.ExtensionRequested(extension_id=extension.pk))
    return extension


@transaction.atomic
def extension_decide(*, actor, extension_id, approve: bool, explanation: str, version=None) -> Extension:
    """The office decides for the assigning organ. The explanation is required: to the deputies when
    approved (003 §24: 向代表说明情况), to the unit when refused."""
    row = Extension.objects.filter(pk=base.pk_of(extension_id)).values("assignment_id").first()
    if row is None:
        raise NotFound()
    item, assignment, _caps = _begin(actor, row["assignment_id"], "decide_extension", version=version, own=False)
    extension = Extension.objects.select_for_update(of=("self",)).get(pk=base.pk_of(extension_id))
    if extension.status != Extension.Status.PENDING:
        raise errors.TransitionNotAllowed(_("This request has already been decided."))
    explanation = base.clean_text(
        explanation,
        field="explanation",
        minimum=2,
        maximum=2000,
        label=_("The explanation to the deputies") if approve else _("The reason"),
    )
    data = _unit_data(assignment, approved=bool(approve), deadline=extension.requested_deadline.isoformat())
    if approve:
        if assignment.status not in LIVE_ASSIGNMENT or assignment.round != getattr(item, "round", 1):
            raise errors.TransitionNotAllowed(_("This assignment is no longer open."))
        if extension.requested_deadline > latest_deadline(item, assignment):
            raise errors.ExtensionTooLong(field="approve")
        for live in _round_live(item):
            if live.deadline < extension.requested_deadline:
                live.deadline = extension.requested_deadline
                live.reminded_on = None
                live.overdue_notified = False
                live.save(update_fields=["deadline", "reminded_on", "overdue_notified", "updated_at"])
        if isinstance(item, Suggestion):
            item.deadline = extension.requested_deadline
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by = actor
    extension.decided_at = base.now()
    extension.explanation = explanation
    extension.save(update_fields=["status", "decided_by", "decided_at", "explanation", "updated_at"])
    base.record(
        item,
        actor=actor,
        action="decide_extension",
        from_status=item.status,
        comment=explanation,
        data=data,
        fields=["deadline"] if approve and isinstance(item, Suggestion) else [],
    )
    events.emit(events.ExtensionDecided(extension_id=extension.pk))
    return extension


# --- the reply -----------------------------------------------------------------------------------------


def _commitments(values) -> list[tuple[str, datetime.date | None]]:
    """Commitments as texts, or as dicts with "text" and an optional "due" date."""
    found = []
    for value in values or []:
        due = None
        if isinstance(value, dict):
            text, due = value.get("text", ""), value.get("due")
        else:
            text = value
        text = (text or "").strip()
        if not text:
            continue
        if len(text) > 2000:
            raise ValidationFailed(_("A commitment can have at most 2000 characters."), field="commitments")
        if due is not None and (not isinstance(due, datetime.date) or isinstance(due, datetime.datetime)):
            raise ValidationFailed(_("Enter a valid date."), field="commitments")
        found.append((text, due))
    if len(found) > MAX_COMMITMENTS:
        raise ValidationFailed(_("At most %(n)s commitments.") % {"n": MAX_COMMITMENTS}, field="commitments")
    return found


@transaction.atomic
def assignment_reply(
    *,
    actor,
    assignment_id,
    answer_class: str,
    text: str,
    document=None,
    commitments=(),
    version=None,
) -> Reply:
    """答复: the lead unit's reply to the deputies, classed A (solved or adopted), B (being solved or
    planned: at least one commitment) or C (cannot be solved now, with reasons); a work report is not
    a reply (003 §25)."""
    item, assignment, _caps = _begin(actor, assignment_id, "reply", version=version)
    _live_in_round(item, assignment, role=Assignment.Role.LEAD)
    if answer_class not in Reply.AnswerClass.values:
        raise errors.ReplyClassMissing(field="answer_class")
    text = base.clean_text(text, field="text", minimum=10, maximum=20000, label=_("The reply"))
    promised = _commitments(commitments)
    if answer_class == Reply.AnswerClass.B and not promised:
        raise errors.CommitmentsMissing(field="commitments")
    if answer_class != Reply.AnswerClass.B and promised:
        raise ValidationFailed(_("Only a class B reply states commitments."), field="commitments")
    upload, name = _document(document)
    reply = Reply(
        assignment=assignment,
        kind=Reply.Kind.ANSWER,
        answer_class=answer_class,
        text=text,
        author=actor,
        document_name=name,
    )
    if upload is not None:
        reply.document.save(upload.name, upload, save=False)
    reply.save()
    Commitment.objects.bulk_create([Commitment(reply=reply, text=t, due=d) for t, d in promised])
    stamp = base.now()
    assignment.status = A.REPLIED
    assignment.replied_at = stamp
    assignment.accepted_at = assignment.accepted_at or stamp
    assignment.save(update_fields=["status", "replied_at", "accepted_at", "updated_at"])
    before = item.status
    if isinstance(item, Suggestion):
        item.status = Suggestion.Status.REPLIED
        item.replied_at = stamp
        item.answer_class = answer_class
    else:
        item.status = Motion.Status.REPLIED
    base.record(
        item,
        actor=actor,
        action="reply",
        from_status=before,
        data=_unit_data(
            assignment,
            answer_class=answer_class,
            on_time=base.today() <= assignment.deadline,
            commitments=len(promised),
        ),
    )
    events.emit(events.ItemReplied(reply_id=reply.pk))
    return reply


@transaction.atomic
def commitment_fulfil(*, actor, commitment_id, note: str, version=None) -> Commitment:
    """The unit that replied reports a class B commitment fulfilled."""
    row = (
        Commitment.objects.filter(pk=base.pk_of(commitment_id))
        .values("reply__assignment_id", "reply__assignment__unit_id")
        .first()
    )
    if row is None:
        raise NotFound()
    item, assignment, _caps = _begin(actor, row["reply__assignment_id"], "fulfil", version=version)
    commitment = Commitment.objects.select_for_update(of=("self",)).get(pk=base.pk_of(commitment_id))
    if commitment.fulfilled_at:
        raise errors.TransitionNotAllowed(_("This commitment is already reported fulfilled."))
    note = base.clean_text(note, field="note", minimum=2, maximum=2000, label=_("The note"))
    commitment.fulfilled_at = base.now()
    commitment.fulfilled_note = note
    commitment.save(update_fields=["fulfilled_at", "fulfilled_note", "updated_at"])
    base.record(
        item,
        actor=actor,
        action="fulfil",
        from_status=item.status,
        comment=note,
        data=_unit_data(assignment, commitment=commitment.pk),
        fields=[],
    )
    return commitment


# --- deadlines -----------------------------------------------------------------------------------------

FINAL_REMINDER_DAYS = 3


def being_handled_q(prefix: str = "") -> Q:
    """Assignments of the current round of an item still being handled (the units' open work)."""
    return Q(
        **{
            f"{prefix}suggestion__status__in": SUGGESTION_HANDLING_STATES,
            f"{prefix}round": F(f"{prefix}suggestion__round"),
        }
    ) | Q(**{f"{prefix}motion__status__in": MOTION_HANDLING_STATES})


def assignments_remind(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Remind units of replies due within SUGGESTION_REMIND_DAYS calendar days — once when the
    deadline comes that close, once more FINAL_REMINDER_DAYS before it — and tell the unit and the
    liaison office once when a reply is overdue. Each assignment in its own short transaction, so the
    job never holds a lock for long. Returns (reminded, overdue)."""
    today = today or base.today()
    horizon = today + datetime.timedelta(days=settings.SUGGESTION_REMIND_DAYS)
    live = Assignment.objects.filter(status__in=LIVE_ASSIGNMENT).filter(being_handled_q())
    reminded = overdue = 0
    due_soon = live.filter(deadline__gte=today, deadline__lte=horizon).exclude(reminded_on=today)
    for assignment in due_soon.only("pk", "deadline", "reminded_on").iterator():
        days_left = (assignment.deadline - today).days
        last = assignment.reminded_on
        first_call = last is None
        final_call = days_left <= FINAL_REMINDER_DAYS and (
            last is None or (assignment.deadline - last).days > FINAL_REMINDER_DAYS
        )
        if not (first_call or final_call):
            continue
        with transaction.atomic():
            if Assignment.objects.filter(pk=assignment.pk, reminded_on=last).update(reminded_on=today):
                events.emit(events.AssignmentDueSoon(assignment_id=assignment.pk, days_left=days_left))
                reminded += 1
    late = live.filter(deadline__lt=today, overdue_notified=False)
    for assignment in late.only("pk").iterator():
        with transaction.atomic():
            if Assignment.objects.filter(pk=assignment.pk, overdue_notified=False).update(overdue_notified=True):
                events.emit(events.AssignmentOverdue(assignment_id=assignment.pk))
                overdue += 1
    return reminded, overdue
