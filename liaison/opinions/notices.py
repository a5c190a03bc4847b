"""What the opinion workflow tells whom, through the notification outbox. The handlers run inside
the service's transaction (the outbox rows commit with the change); delivery happens after commit.
Imported by OpinionsConfig.ready."""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Role
from liaison.core.db.prepared import Prepared
from liaison.notifications.kinds import register_kind
from liaison.notifications.services import notify, notify_inbox

from . import events
from .models import Assignment, Extension, Opinion

register_kind(
    "opinion.received",
    subject=_("New opinion {code}"),
    body=_("A new opinion “{title}” is waiting in your queue."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.assigned",
    subject=_("Opinion {code} assigned to {unit}"),
    body=_("The opinion “{title}” was assigned to {unit}. Reply by {deadline}."),
    url="/work/units/opinions/{id}/",
)
register_kind(
    "opinion.escalated",
    subject=_("Opinion {code} escalated to you"),
    body=_("The opinion “{title}” was escalated to your congress's office."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.returned",
    subject=_("Opinion {code} sent back by {unit}"),
    body=_("{unit} sent back the opinion “{title}”: {reason}"),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.replied",
    subject=_("Opinion {code} has its reply"),
    body=_("The units have replied to “{title}”. Feed the answer back to the citizen."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.reopened",
    subject=_("Opinion {code} reopened"),
    body=_("The citizen was not satisfied with the answer to “{title}”; it is back for re-handling."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.rated",
    subject=_("The citizen rated the answer to {code}"),
    body=_("The citizen rated the answer to “{title}”: {satisfaction}. Record the return visit."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.extension_requested",
    subject=_("{unit} asks for more time on {code}"),
    body=_("{unit} asks to reply to “{title}” by {deadline}: {reason}"),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.extension_decided",
    subject=_("Decision on more time for {code}"),
    body=_("Your request to reply to “{title}” by {deadline} was {decision}."),
    url="/work/units/opinions/{id}/",
)
register_kind(
    "opinion.due_soon",
    subject=_("Reply to {code} due in {days} working days"),
    body=_("The reply to “{title}” is due on {deadline}."),
    url="/work/units/opinions/{id}/",
)
register_kind(
    "opinion.overdue",
    subject=_("Reply to {code} is overdue"),
    body=_("{unit} has not replied to “{title}”; the deadline was {deadline}."),
    url="/work/opinions/{id}/",
)
register_kind(
    "opinion.answered",
    subject=_("Your opinion {code} has an answer"),
    body=_("Your opinion {code} has been answered. Read the answer and rate it at {track_url}"),
    url="/track/{code}/",
)


def _user_ids_query(roles: Q):
    """The active users holding an active role that matches `roles`: their ids, in order."""
    return (
        Role.objects.filter(roles, is_active=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


# Asked on every new opinion: compiled once (liaison.core.db.prepared).
_QUEUE_OFFICERS = Prepared(lambda region_id: _user_ids_query(Q(kind=Role.Kind.LIAISON_OFFICER, region_id=region_id)))
_QUEUE_AND_STATION = Prepared(
    lambda region_id, station_id: _user_ids_query(
        Q(kind=Role.Kind.LIAISON_OFFICER, region_id=region_id) | Q(kind=Role.Kind.STATION_STAFF, station_id=station_id)
    )
)


def _handlers(opinion: Opinion) -> tuple[Prepared, dict]:
    if opinion.station_id and opinion.escalations == 0:
        return _QUEUE_AND_STATION, {"region_id": opinion.queue_region_id, "station_id": opinion.station_id}
    return _QUEUE_OFFICERS, {"region_id": opinion.queue_region_id}


def handlers_of(opinion: Opinion) -> list[int]:
    """The liaison officers of the opinion's queue region and, until it is escalated, the staff of
    its station (user ids)."""
    query, values = _handlers(opinion)
    return [user_id for (user_id,) in query.rows(**values)]


def handlers_query(opinion: Opinion) -> tuple[str, list]:
    """`handlers_of` as SQL and parameters, for the database to answer inside a write."""
    query, values = _handlers(opinion)
    return query.sql_with_params(**values)


def unit_staff(unit_id: int) -> list[int]:
    return list(_user_ids_query(Q(kind=Role.Kind.HANDLING_UNIT, unit_id=unit_id)))


def _context(opinion: Opinion, **extra) -> dict:
    return {"id": opinion.pk, "code": opinion.tracking_code, "title": opinion.title, **extra}


def _tell(user_ids, kind: str, opinion: Opinion, dedupe: str = "", **extra) -> None:
    notify_inbox(kind=kind, context=_context(opinion, **extra), user_ids=user_ids, related=opinion, dedupe_key=dedupe)


@events.handles(events.OpinionSubmitted)
def on_submitted(event):
    opinion = event.opinion or Opinion.objects.only(
        "id", "tracking_code", "title", "queue_region_id", "station_id", "escalations"
    ).get(pk=event.opinion_id)
    # the officers are read by the statement that writes their notices (a new opinion's rows go to
    # the database together: liaison.core.db.inserts.one_write)
    notify_inbox(
        kind="opinion.received", context=_context(opinion), recipients=handlers_query(opinion), related=opinion
    )


@events.handles(events.OpinionAssigned)
def on_assigned(event):
    assignment = Assignment.objects.select_related("opinion", "unit").get(pk=event.assignment_id)
    _tell(
        unit_staff(assignment.unit_id),
        "opinion.assigned",
        assignment.opinion,
        unit=assignment.unit.name,
        deadline=assignment.deadline.isoformat(),
    )


@events.handles(events.OpinionEscalated)
def on_escalated(event):
    opinion = Opinion.objects.get(pk=event.opinion_id)
    _tell(handlers_of(opinion), "opinion.escalated", opinion)


@events.handles(events.AssignmentReturned)
def on_returned(event):
    assignment = Assignment.objects.select_related("opinion", "unit").get(pk=event.assignment_id)
    _tell(
        handlers_of(assignment.opinion),
        "opinion.returned",
        assignment.opinion,
        unit=assignment.unit.name,
        reason=assignment.returned_reason,
    )


@events.handles(events.OpinionReplied)
def on_replied(event):
    opinion = Opinion.objects.get(pk=event.opinion_id)
    _tell(handlers_of(opinion), "opinion.replied", opinion)


@events.handles(events.OpinionReopened)
def on_reopened(event):
    opinion = Opinion.objects.get(pk=event.opinion_id)
    _tell(handlers_of(opinion), "opinion.reopened", opinion)


@events.handles(events.OpinionRated)
def on_rated(event):
    opinion = Opinion.objects.get(pk=event.opinion_id)
    _tell(handlers_of(opinion), "opinion.rated", opinion, satisfaction=str(opinion.get_satisfaction_display()))


@events.handles(events.ExtensionRequested)
def on_extension_requested(event):
    extension = Extension.objects.select_related("assignment__unit", "assignment__opinion").get(pk=event.extension_id)
    opinion = extension.assignment.opinion
    _tell(
        handlers_of(opinion),
        "opinion.extension_requested",
        opinion,
        unit=extension.assignment.unit.name,
        deadline=extension.requested_deadline.isoformat(),
        reason=extension.reason,
    )


@events.handles(events.ExtensionDecided)
def on_extension_decided(event):
    extension = Extension.objects.select_related("assignment__opinion").get(pk=event.extension_id)
    decision = _("approved") if extension.status == Extension.Status.APPROVED else _("refused")
    _tell(
        unit_staff(extension.assignment.unit_id),
        "opinion.extension_decided",
        extension.assignment.opinion,
        deadline=extension.requested_deadline.isoformat(),
        decision=str(decision),
    )


@events.handles(events.AssignmentDueSoon)
def on_due_soon(event):
    assignment = Assignment.objects.select_related("opinion").get(pk=event.assignment_id)
    _tell(
        unit_staff(assignment.unit_id),
        "opinion.due_soon",
        assignment.opinion,
        dedupe=f"opinion-due:a{assignment.pk}:{assignment.deadline.isoformat()}:{event.days_left}",
        days=event.days_left,
        deadline=assignment.deadline.isoformat(),
    )


@events.handles(events.AssignmentOverdue)
def on_overdue(event):
    assignment = Assignment.objects.select_related("opinion", "unit").get(pk=event.assignment_id)
    opinion = assignment.opinion
    _tell(
        [*unit_staff(assignment.unit_id), *handlers_of(opinion)],
        "opinion.overdue",
        opinion,
        dedupe=f"opinion-overdue:a{assignment.pk}:{assignment.deadline.isoformat()}",
        unit=assignment.unit.name,
        deadline=assignment.deadline.isoformat(),
    )


@events.handles(events.OpinionAnswered)
def on_answered(event):
    """Tell the citizen by the channel they chose; the tracking page shows the answer anyway."""
    opinion = Opinion.objects.get(pk=event.opinion_id)
    if opinion.contact_purged_at:
        return
    context = _context(opinion, track_url=f"{settings.SITE_BASE_URL}/track/{opinion.tracking_code}/")
    if opinion.notify_by == Opinion.NotifyBy.SMS and opinion.submitter_phone:
        notify(
            kind="opinion.answered",
            context=context,
            phone=opinion.submitter_phone,
            channels=("sms",),
            language=opinion.language,
            related=opinion,
        )
    elif opinion.notify_by == Opinion.NotifyBy.EMAIL and opinion.submitter_email:
        notify(
            kind="opinion.answered",
            context=context,
            email=opinion.submitter_email,
            channels=("email",),
            language=opinion.language,
            related=opinion,
        )
