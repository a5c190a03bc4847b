"""What the suggestion and motion workflows tell whom, through the notification outbox. The handlers
run inside the service's transaction (the outbox rows commit with the change); delivery happens after
commit. Imported by ProposalsConfig.ready.

Who is told:
- deputies asked to sign; the lead when they answer;
- the liaison office of the item's congress (officers of exactly that region) when an item comes in,
  a unit sends it back, asks for more time, replies, or misses the deadline;
- the signers when it is submitted, registered or refused, assigned, given more time (with the
  explanation of 003 §24), replied, sent back for re-handling, and when the presidium decides;
- the staff of the units when it is assigned to them, sent back for re-handling, put under key
  supervision, when a co-unit's opinion arrives, when their request for more time is decided, before
  the deadline and when it is overdue.

Links: an item's page is PAGE_URL, a unit's assignment page UNIT_URL (one place to change them)."""

from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Role, User
from liaison.notifications.kinds import register_kind
from liaison.notifications.services import notify

from . import events
from .models import Assignment, Extension, Motion, Reply, Signer, Suggestion

PAGE_URL = "/work/proposals/{path}/{id}/"
UNIT_URL = "/work/proposals/units/assignments/{assignment}/"

register_kind(
    "proposal.cosign_request",
    subject=_("{lead} asks you to sign: {title}"),
    body=_("{lead} asks you to co-sign the {what} “{title}”. Read it, then confirm or decline."),
    url=PAGE_URL,
)
register_kind(
    "proposal.cosign_confirmed",
    subject=_("{deputy} signed: {title}"),
    body=_("{deputy} confirmed the {what} “{title}” as co-signer."),
    url=PAGE_URL,
)
register_kind(
    "proposal.cosign_declined",
    subject=_("{deputy} declined to sign: {title}"),
    body=_("{deputy} declined to co-sign the {what} “{title}”."),
    url=PAGE_URL,
)
register_kind(
    "proposal.submitted",
    subject=_("New {what}: {title}"),
    body=_("The {what} “{title}” ({label}) by {lead} was submitted and waits for the office."),
    url=PAGE_URL,
)
register_kind(
    "proposal.submitted_signer",
    subject=_("Submitted: {title}"),
    body=_("The {what} “{title}” that you signed was submitted ({label})."),
    url=PAGE_URL,
)
register_kind(
    "suggestion.registered",
    subject=_("Suggestion registered as No. {number}"),
    body=_("Your suggestion “{title}” was registered as No. {number}."),
    url=PAGE_URL,
)
register_kind(
    "suggestion.refused",
    subject=_("Suggestion not registered: {title}"),
    body=_("Your suggestion “{title}” was not registered: {reason}. {explanation}"),
    url=PAGE_URL,
)
register_kind(
    "proposal.assigned",
    subject=_("Assigned to {unit}: {title}"),
    body=_("{label} “{title}” was assigned to {unit} as {role}. Reply to the deputies by {deadline}."),
    url=UNIT_URL,
)
register_kind(
    "proposal.assigned_signer",
    subject=_("Assigned for handling: {title}"),
    body=_("{label} “{title}” was assigned to {units}. The reply is due by {deadline}."),
    url=PAGE_URL,
)
register_kind(
    "proposal.returned",
    subject=_("{unit} sent back: {title}"),
    body=_("{unit} sent back {label} “{title}”: {reason}"),
    url=PAGE_URL,
)
register_kind(
    "proposal.co_opinion",
    subject=_("Opinion of {unit}: {title}"),
    body=_("{unit} sent its opinion on {label} “{title}” to your unit."),
    url=UNIT_URL,
)
register_kind(
    "proposal.extension_requested",
    subject=_("{unit} asks for more time: {title}"),
    body=_("{unit} asks to reply to {label} “{title}” by {deadline}: {reason}"),
    url=PAGE_URL,
)
register_kind(
    "proposal.extension_decided",
    subject=_("More time {decision}: {title}"),
    body=_("Your request to reply to {label} “{title}” by {deadline} was {decision}: {explanation}"),
    url=UNIT_URL,
)
register_kind(
    "proposal.extension_explained",
    subject=_("More time to reply: {title}"),
    body=_("The reply to {label} “{title}” is now due by {deadline}. {explanation}"),
    url=PAGE_URL,
)
register_kind(
    "suggestion.replied",
    subject=_("Reply to your suggestion: {title}"),
    body=_("{unit} replied to your suggestion “{title}” (class {answer_class}). Read the reply and rate it."),
    url=PAGE_URL,
)
register_kind(
    "motion.replied",
    subject=_("Reply on the motion: {title}"),
    body=_("{unit} replied on the motion “{title}” (class {answer_class})."),
    url=PAGE_URL,
)
register_kind(
    "proposal.replied_office",
    subject=_("{unit} replied: {title}"),
    body=_("{unit} replied to {label} “{title}” (class {answer_class})."),
    url=PAGE_URL,
)
register_kind(
    "suggestion.rehandling",
    subject=_("To be handled again: {title}"),
    body=_("The deputies were not satisfied with the reply to {label} “{title}”. Handle it again and reply by "
           "{deadline}."),
    url=UNIT_URL,
)  # fmt: skip
register_kind(
    "suggestion.rehandling_signer",
    subject=_("Handled again: {title}"),
    body=_("{label} “{title}” is being handled again by {units}; the new reply is due by {deadline}."),
    url=PAGE_URL,
)
register_kind(
    "suggestion.key_supervision",
    subject=_("Key supervision: {title}"),
    body=_("{label} “{title}” is under key supervision (重点督办), followed by {organ}."),
    url=UNIT_URL,
)
register_kind(
    "motion.decided",
    subject=_("Decision on the motion: {title}"),
    body=_("The motion “{title}”: {decision}"),
    url=PAGE_URL,
)
register_kind(
    "proposal.due_soon",
    subject=_("Reply due in {days} days: {title}"),
    body=_("The reply to {label} “{title}” is due on {deadline}."),
    url=UNIT_URL,
)
register_kind(
    "proposal.overdue",
    subject=_("Reply overdue: {title}"),
    body=_("{unit} has not replied to {label} “{title}”; the deadline was {deadline}."),
    url=PAGE_URL,
)

WHAT = {"suggestion": _("suggestion"), "motion": _("motion")}
ROLE = {Assignment.Role.LEAD: _("lead unit"), Assignment.Role.CO: _("co-unit")}


# --- recipients --------------------------------------------------------------------------------------


def _users(**role_filter) -> list[User]:
    return list(User.objects.filter(is_active=True, roles__is_active=True, **role_filter).distinct().order_by("pk"))


def deputy_users(person_ids) -> list[User]:
    ids = [pk for pk in person_ids if pk]
    return _users(roles__kind=Role.Kind.DEPUTY, roles__person_id__in=ids) if ids else []


def signer_users(item, *, exclude_persons=()) -> list[User]:
    persons = item.signers.filter(status=Signer.Status.CONFIRMED).exclude(person_id__in=list(exclude_persons))
    return deputy_users(persons.values_list("person_id", flat=True))


def office_users(item) -> list[User]:
    return _users(roles__kind=Role.Kind.LIAISON_OFFICER, roles__region_id=item.congress.region_id)


def unit_staff(unit_id: int) -> list[User]:
    return _users(roles__kind=Role.Kind.HANDLING_UNIT, roles__unit_id=unit_id)


# --- writing -----------------------------------------------------------------------------------------


def _kind(item) -> str:
    return "motion" if isinstance(item, Motion) else "suggestion"


def _context(item, **extra) -> dict:
    kind = _kind(item)
    return {
        "id": item.pk,
        "path": f"{kind}s",
        "what": WHAT[kind],
        "title": item.title,
        "label": item.label,
        "number": item.number or "",
        **extra,
    }


def _tell(users, kind: str, item, dedupe: str = "", **extra) -> None:
    context = _context(item, **extra)
    seen = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notify(
            kind=kind,
            context=context,
            user=user,
            related=item,
            dedupe_key=f"{dedupe}:u{user.pk}" if dedupe else "",
        )


def _item_of(kind: str, pk: int):
    model = Motion if kind == "motion" else Suggestion
    return model.objects.select_related("congress", "lead").get(pk=pk)


def _lead_name(item) -> str:
    if item.lead_id:
        return item.lead.name
    if isinstance(item, Motion):
        return item.delegation.name if item.delegation_id else str(item.get_proposer_display())
    return ""


# --- handlers ----------------------------------------------------------------------------------------


@events.handles(events.CosignRequested)
def on_cosign_requested(event):
    signer = Signer.objects.select_related("suggestion__lead", "motion__lead", "person").get(pk=event.signer_id)
    item = signer.suggestion or signer.motion
    _tell(deputy_users([signer.person_id]), "proposal.cosign_request", item, lead=_lead_name(item))


@events.handles(events.CosignAnswered)
def on_cosign_answered(event):
    signer = Signer.objects.select_related("suggestion", "motion", "person").get(pk=event.signer_id)
    item = signer.suggestion or signer.motion
    kind = "proposal.cosign_confirmed" if signer.status == Signer.Status.CONFIRMED else "proposal.cosign_declined"
    _tell(deputy_users([item.lead_id]), kind, item, deputy=signer.person.name)


@events.handles(events.ItemSubmitted)
def on_submitted(event):
    item = _item_of(event.kind, event.item_id)
    _tell(office_users(item), "proposal.submitted", item, lead=_lead_name(item))
    _tell(signer_users(item, exclude_persons=[item.lead_id]), "proposal.submitted_signer", item)


@events.handles(events.SuggestionRegistered)
def on_registered(event):
    item = _item_of("suggestion", event.suggestion_id)
    _tell(signer_users(item), "suggestion.registered", item)


@events.handles(events.SuggestionRefused)
def on_refused(event):
    item = _item_of("suggestion", event.suggestion_id)
    _tell(
        signer_users(item),
        "suggestion.refused",
        item,
        reason=Suggestion.Refusal(item.refusal).label,
        explanation=item.refusal_note,
    )


def _tell_units(rows, kind: str, item, **extra) -> None:
    for assignment in rows:
        _tell(
            unit_staff(assignment.unit_id),
            kind,
            item,
            assignment=assignment.pk,
            unit=assignment.unit.name,
            role=ROLE[assignment.role],
            deadline=assignment.deadline.isoformat(),
            **extra,
        )


@events.handles(events.ItemAssigned)
def on_assigned(event):
    item = _item_of(event.kind, event.item_id)
    rows = list(Assignment.objects.filter(pk__in=event.assignment_ids).select_related("unit"))
    _tell_units(rows, "proposal.assigned", item)
    _tell(
        signer_users(item),
        "proposal.assigned_signer",
        item,
        units="、".join(a.unit.name for a in rows),
        deadline=rows[0].deadline.isoformat() if rows else "",
    )


@events.handles(events.AssignmentReturned)
def on_returned(event):
    assignment = Assignment.objects.select_related("unit").get(pk=event.assignment_id)
    item = _item_of(
        "motion" if assignment.motion_id else "suggestion", assignment.motion_id or assignment.suggestion_id
    )
    _tell(office_users(item), "proposal.returned", item, unit=assignment.unit.name, reason=assignment.returned_reason)


@events.handles(events.CoOpinionSent)
def on_co_opinion(event):
    reply = Reply.objects.select_related("assignment__unit").get(pk=event.reply_id)
    co = reply.assignment
    item = _item_of("motion" if co.motion_id else "suggestion", co.motion_id or co.suggestion_id)
    leads = Assignment.objects.filter(
        **{_kind(item): item}, round=co.round, role=Assignment.Role.LEAD, status__in=["pending", "accepted"]
    )
    for lead in leads:
        _tell(unit_staff(lead.unit_id), "proposal.co_opinion", item, assignment=lead.pk, unit=co.unit.name)


@events.handles(events.ExtensionRequested)
def on_extension_requested(event):
    extension = Extension.objects.select_related("assignment__unit").get(pk=event.extension_id)
    a = extension.assignment
    item = _item_of("motion" if a.motion_id else "suggestion", a.motion_id or a.suggestion_id)
    _tell(
        office_users(item),
        "proposal.extension_requested",
        item,
        unit=a.unit.name,
        deadline=extension.requested_deadline.isoformat(),
        reason=extension.reason,
    )


@events.handles(events.ExtensionDecided)
def on_extension_decided(event):
    extension = Extension.objects.select_related("assignment__unit").get(pk=event.extension_id)
    a = extension.assignment
    item = _item_of("motion" if a.motion_id else "suggestion", a.motion_id or a.suggestion_id)
    approved = extension.status == Extension.Status.APPROVED
    _tell(
        unit_staff(a.unit_id),
        "proposal.extension_decided",
        item,
        assignment=a.pk,
        deadline=extension.requested_deadline.isoformat(),
        decision=_("approved") if approved else _("refused"),
        explanation=extension.explanation,
    )
    if approved:
        _tell(
            signer_users(item),
            "proposal.extension_explained",
            item,
            deadline=extension.requested_deadline.isoformat(),
            explanation=extension.explanation,
        )


@events.handles(events.ItemReplied)
def on_replied(event):
    reply = Reply.objects.select_related("assignment__unit").get(pk=event.reply_id)
    a = reply.assignment
    item = _item_of("motion" if a.motion_id else "suggestion", a.motion_id or a.suggestion_id)
    extra = {"unit": a.unit.name, "answer_class": reply.answer_class}
    _tell(signer_users(item), f"{_kind(item)}.replied", item, **extra)
    _tell(office_users(item), "proposal.replied_office", item, **extra)


@events.handles(events.RehandlingStarted)
def on_rehandling(event):
    item = _item_of("suggestion", event.suggestion_id)
    rows = list(Assignment.objects.filter(pk__in=event.assignment_ids).select_related("unit"))
    _tell_units(rows, "suggestion.rehandling", item)
    users = {u.pk: u for u in signer_users(item)}
    users.update({u.pk: u for u in office_users(item)})
    _tell(
        users.values(),
        "suggestion.rehandling_signer",
        item,
        units="、".join(a.unit.name for a in rows),
        deadline=item.deadline.isoformat() if item.deadline else "",
    )


@events.handles(events.KeySupervisionChosen)
def on_key_supervision(event):
    item = Suggestion.objects.select_related("supervising_organ").get(pk=event.suggestion_id)
    rows = Assignment.objects.filter(suggestion=item, round=item.round, status__in=["pending", "accepted"])
    for assignment in rows.select_related("unit"):
        _tell(
            unit_staff(assignment.unit_id),
            "suggestion.key_supervision",
            item,
            assignment=assignment.pk,
            organ=item.supervising_organ.name if item.supervising_organ_id else "",
        )


MOTION_DECISIONS = {
    Motion.Status.ACCEPTED: _("the presidium accepted it as a motion of the session."),
    Motion.Status.CONVERTED: _("the presidium decided to handle it as a suggestion."),
    Motion.Status.WITHDRAWN: _("it was withdrawn with the presidium's consent."),
}


@events.handles(events.MotionDecided)
def on_motion_decided(event):
    item = _item_of("motion", event.motion_id)
    decision = MOTION_DECISIONS.get(item.status, "")
    _tell(signer_users(item), "motion.decided", item, decision=decision)


def _assignment_item(assignment: Assignment):
    return assignment.suggestion if assignment.suggestion_id else assignment.motion


@events.handles(events.AssignmentDueSoon)
def on_due_soon(event):
    assignment = Assignment.objects.select_related("suggestion", "motion", "unit").get(pk=event.assignment_id)
    _tell(
        unit_staff(assignment.unit_id),
        "proposal.due_soon",
        _assignment_item(assignment),
        dedupe=f"proposal-due:a{assignment.pk}:{assignment.deadline.isoformat()}:{event.days_left}",
        assignment=assignment.pk,
        days=event.days_left,
        deadline=assignment.deadline.isoformat(),
    )


@events.handles(events.AssignmentOverdue)
def on_overdue(event):
    assignment = Assignment.objects.select_related("suggestion__congress", "motion__congress", "unit").get(
        pk=event.assignment_id
    )
    item = _assignment_item(assignment)
    users = {u.pk: u for u in unit_staff(assignment.unit_id)}
    users.update({u.pk: u for u in office_users(item)})
    _tell(
        users.values(),
        "proposal.overdue",
        item,
        dedupe=f"proposal-overdue:a{assignment.pk}:{assignment.deadline.isoformat()}",
        assignment=assignment.pk,
        unit=assignment.unit.name,
        deadline=assignment.deadline.isoformat(),
    )
