"""The handling units' pages for suggestions and motions (`/work/proposals/units/`): the unit's queue of
assignments with their deadlines, and the unit's page of one assignment — the item's text and the
deputies who signed it (their public contact only), with the unit's steps: accept or send back,
record a contact with the deputies (座谈, 调研, 电话, 信函 — 003 §25), a co-unit's opinion to the lead
unit, more time (never past six months after assignment, 003 §24), the reply with its class A/B/C
and document, B commitments and their fulfilment. Documents are served only through a view that
checks who asks. Views parse input, call one service or selector, render.

Access: only handling-unit staff (`proposals.unit_queue`) for the queue and the steps; another
unit's assignment is answered like a missing one (404)."""

import datetime
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from liaison.core import files
from liaison.core.errors import add_to_form, as_page
from liaison.core.exceptions import ApplicationError, Conflict, NotFound
from liaison.core.exceptions import PermissionDenied as AppPermissionDenied
from liaison.deputies.public_views import page_number

from . import exceptions as errors
from . import forms_unit as forms
from . import handling, rules, selectors
from .models import Assignment, Extension, Motion, Reply, Signer
from .workflow import (
    LIVE_ASSIGNMENT,
    MOTION_HANDLING_STATES,
    SUGGESTION_HANDLING_STATES,
    actions_for,
    event_label,
)

PAGE_SIZE = 50
TABS = [
    ("open", pgettext_lazy("assignments", "Open")),
    ("overdue", gettext_lazy("Overdue")),
    ("replied", gettext_lazy("Replied")),
    ("returned", gettext_lazy("Sent back")),
]


def _enter(request) -> None:
    if not rules.can(request.user, "unit_queue"):
        raise PermissionDenied


def _assignment(request, pk) -> Assignment:
    _enter(request)
    try:
        return selectors.assignment_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


@dataclass(frozen=True)
class Due:
    """How a reply deadline stands today, in calendar days (the periods of 003 §24 are months)."""

    days: int
    overdue: bool


def due_for(assignment: Assignment, today: datetime.date) -> Due | None:
    if assignment.status not in LIVE_ASSIGNMENT:
        return None
    days = (assignment.deadline - today).days
    return Due(-days, True) if days < 0 else Due(days, False)


# --- the queue ------------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request):
    _enter(request)
    tabs = dict(TABS)
    tab = request.GET.get("tab") if request.GET.get("tab") in tabs else "open"
    query = (request.GET.get("q") or "").strip()[:50]
    rows = selectors.unit_queue_for(user=request.user, state=tab, q=query)
    page = Paginator(rows, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    today = timezone.localdate()
    for assignment in page.object_list:
        assignment.due = due_for(assignment, today)
    context = {
        "page": page,
        "tab": tab,
        "tabs": TABS,
        "query": query,
        "overdue_count": selectors.unit_queue_for(user=request.user, state="overdue").count(),
        "units": [r.unit for r in request.user.active_roles() if r.unit_id and r.kind == "handling_unit"],
    }
    return render(request, "proposals/unit/queue.html", context)


# --- one assignment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    action: str  # the workflow's name of the step
    form: type
    run: Callable  # (user, assignment, cleaned data) → calls the service
    done: object
    label: object
    shown: Callable = lambda assignment, pending: True


STEPS: dict[str, Step] = {
    "accept": Step(
        "unit_accept",
        forms.AcceptForm,
        lambda u, a, d: handling.assignment_accept(actor=u, assignment_id=a.pk, version=d["version"]),
        gettext_lazy("You accepted the assignment; the office and the deputies see that it is being handled."),
        gettext_lazy("Accept the assignment"),
        shown=lambda a, pending: a.status == Assignment.Status.PENDING,
    ),
    "reply": Step(
        "reply",
        forms.ReplyForm,
        lambda u, a, d: handling.assignment_reply(
            actor=u,
            assignment_id=a.pk,
            answer_class=d["answer_class"],
            text=d["text"],
            document=d["document"],
            commitments=d["commitments"],
            version=d["version"],
        ),
        gettext_lazy("Your reply was sent to the deputies and the liaison office."),
        gettext_lazy("Reply to the deputies"),
        shown=lambda a, pending: a.role == Assignment.Role.LEAD,
    ),
    "co_opinion": Step(
        "co_opinion",
        forms.CoOpinionForm,
        lambda u, a, d: handling.assignment_co_opinion(
            actor=u, assignment_id=a.pk, text=d["text"], document=d["document"], version=d["version"]
        ),
        gettext_lazy("Your unit's opinion was sent to the lead unit."),
        gettext_lazy("Send your opinion to the lead unit"),
        shown=lambda a, pending: a.role == Assignment.Role.CO,
    ),
    "contact": Step(
        "unit_contact",
        forms.ContactForm,
        lambda u, a, d: handling.assignment_contact_add(
            actor=u, assignment_id=a.pk, kind=d["kind"], date=d["date"], note=d["note"], version=d["version"]
        ),
        gettext_lazy("The contact with the deputies was recorded."),
        gettext_lazy("Record a contact with the deputies"),
    ),
    "extension": Step(
        "request_extension",
        forms.ExtensionForm,
        lambda u, a, d: handling.extension_request(
            actor=u, assignment_id=a.pk, deadline=d["deadline"], reason=d["reason"], version=d["version"]
        ),
        gettext_lazy("Your request for more time was sent to the liaison office."),
        gettext_lazy("Ask for more time"),
        shown=lambda a, pending: a.role == Assignment.Role.LEAD and pending is None,
    ),
    "return": Step(
        "unit_return",
        forms.ReturnForm,
        lambda u, a, d: handling.assignment_return(
            actor=u, assignment_id=a.pk, reason=d["reason"], version=d["version"]
        ),
        gettext_lazy("It was sent back to the liaison office."),
        gettext_lazy("Send back (not for our unit)"),
    ),
    "fulfil": Step(
        "fulfil",
        forms.FulfilForm,
        lambda u, a, d: handling.commitment_fulfil(
            actor=u, commitment_id=d["commitment"], note=d["note"], version=d["version"]
        ),
        gettext_lazy("The commitment was reported fulfilled."),
        gettext_lazy("Report fulfilled"),
        shown=lambda a, pending: False,  # shown under each open commitment, not as a panel
    ),
}


def _new_form(name: str, assignment: Assignment, item, data=None, files_=None, **initial):
    kwargs = {"initial": {"version": item.version, **initial}}
    if name == "extension":
        kwargs["latest"] = handling.latest_deadline(item, assignment)
    return STEPS[name].form(data, files_, **kwargs)


def _is_live(assignment: Assignment, item) -> bool:
    """Is there still work for the unit on this assignment: open, of the item's current round, and the
    item still being handled (a reply closes the round for the co-units too)?"""
    handled = MOTION_HANDLING_STATES if isinstance(item, Motion) else SUGGESTION_HANDLING_STATES
    return (
        assignment.status in LIVE_ASSIGNMENT
        and assignment.round == getattr(item, "round", 1)
        and item.status in handled
    )


def _timeline(item) -> list:
    rows = []
    for event in selectors.timeline_for(item):
        event.label = event_label(event)
        rows.append(event)
    return rows


def _render(request, assignment: Assignment, *, failed: tuple | None = None, status: int = 200):
    """The unit's page of the assignment. `failed` = (step, bound form) shows a step that did not go
    through again, with what the user typed."""
    item = assignment.item
    signers = list(item.signers.select_related("person"))
    caps = rules.capacities(request.user, item, signers=signers, assignments=[assignment])
    possible = set(actions_for(item, caps))
    live = _is_live(assignment, item)
    extensions = list(assignment.extensions.all())
    pending = next((e for e in extensions if e.status == Extension.Status.PENDING), None)
    steps = []
    if live:
        for name, step in STEPS.items():
            if step.action in possible and step.shown(assignment, pending):
                form = failed[1] if failed and failed[0] == name else _new_form(name, assignment, item)
                url = reverse("proposal_units:step", kwargs={"pk": assignment.pk, "name": name})
                steps.append({"name": name, "label": step.label, "form": form, "url": url})
    replies = list(assignment.replies.all())
    can_fulfil = "fulfil" in possible
    for reply in replies:
        for commitment in reply.commitments.all():
            commitment.form = None
            if can_fulfil and not commitment.fulfilled_at:
                if failed and failed[0] == "fulfil" and str(failed[1].data.get("commitment")) == str(commitment.pk):
                    commitment.form = failed[1]
                else:
                    commitment.form = _new_form("fulfil", assignment, item, commitment=commitment.pk)
    context = {
        "assignment": assignment,
        "item": item,
        "is_motion": isinstance(item, Motion),
        "signers": [s for s in signers if s.status == Signer.Status.CONFIRMED],
        "due": due_for(assignment, timezone.localdate()),
        "live": live,
        "over": not live and assignment.status in LIVE_ASSIGNMENT,
        "steps": steps,
        "open_step": failed[0] if failed else "",
        "replies": replies,
        "co_opinions": selectors.co_opinions_for(assignment=assignment)
        if assignment.role == Assignment.Role.LEAD
        else [],
        "pending_extension": pending,
        "extensions": extensions,
        "latest_deadline": handling.latest_deadline(item, assignment) if live else None,
        "fulfil_url": reverse("proposal_units:step", kwargs={"pk": assignment.pk, "name": "fulfil"}),
        "timeline": _timeline(item),
    }
    for signer in context["signers"]:  # the deputies' public contact only
        signer.contacts = signer.person.public_contacts()
    response = render(request, "proposals/unit/assignment.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def assignment_detail(request, pk):
    return _render(request, _assignment(request, pk))


def _failed(request, pk, name: str, form, error: ApplicationError):
    """A step the service refused: 404 outside the scope; otherwise the page as it is now, with the
    reason and what the user typed."""
    if isinstance(error, NotFound):
        raise Http404()
    assignment = _assignment(request, pk)  # as it is now
    item = assignment.item
    if not _is_live(assignment, item) and name != "fulfil" and isinstance(error, Conflict | AppPermissionDenied):
        if assignment.status in LIVE_ASSIGNMENT:  # the item moved on (replied, sent back, a new round)
            text = _("It is “%(status)s” now; there is no step left for your unit to take on this assignment.") % {
                "status": item.get_status_display()
            }
        else:
            text = _("This assignment is “%(status)s” now; there is no step left for your unit to take on it.") % {
                "status": assignment.get_status_display()
            }
        messages.error(request, text)
        return _render(request, assignment, status=409)
    if isinstance(error, AppPermissionDenied):
        return as_page(request, error)
    if isinstance(error, Conflict):
        messages.error(
            request,
            _("%(error)s The page now shows the item as it is; what you typed is kept below.")
            % {"error": error.message},
        )
        data = form.data.copy()
        data["version"] = str(item.version)
        again = _new_form(name, assignment, item, data)
        again.is_valid()
        return _render(request, assignment, failed=(name, again), status=409)
    add_to_form(form, error)
    return _render(request, assignment, failed=(name, form), status=400)


@login_required
@require_POST
def step(request, pk, name: str):
    """One step of the unit on its assignment (the forms of the assignment's page post here)."""
    if name not in STEPS:
        raise Http404()
    assignment = _assignment(request, pk)
    item = assignment.item
    form = _new_form(name, assignment, item, request.POST, request.FILES)
    if not form.is_valid():
        if str(request.POST.get("version", "")).strip() != str(item.version):
            return _failed(request, pk, name, form, errors.ItemChanged())
        return _render(request, assignment, failed=(name, form), status=400)
    try:
        STEPS[name].run(request.user, assignment, form.cleaned_data)
    except ApplicationError as error:
        return _failed(request, pk, name, form, error)
    messages.success(request, str(STEPS[name].done))
    if name == "return":
        return redirect("proposal_units:queue")
    return redirect("proposal_units:assignment", pk=assignment.pk)


@login_required
@require_GET
def commitment_row(request):
    """One more empty commitment row of the reply form (htmx)."""
    _enter(request)
    return render(request, "proposals/unit/_commitment_row.html", {"row": {"text": "", "due": "", "error": ""}})


@login_required
@require_GET
def document(request, pk):
    """A reply's or a co-unit opinion's document, to those who may read it (selectors.reply_document_get_for):
    the units of the item, the liaison office and the leadership, and — for the reply — the deputies who
    signed. Always downloaded, never shown inline."""
    if not rules.can(request.user, "use"):
        raise PermissionDenied
    try:
        reply = selectors.reply_document_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    stored = reply.document.name
    content_type = mimetypes.guess_type(stored)[0] or "application/octet-stream"
    extension = "." + stored.rsplit(".", 1)[-1] if "." in stored else ""
    default = f"{_('reply') if reply.kind == Reply.Kind.ANSWER else _('opinion')}-{reply.pk}{extension}"
    return files.protected_file_response(
        reply.document, content_type=content_type, filename=reply.document_name or default, inline=False
    )


@login_required
@require_GET
def item_redirect(request, kind: str, pk):
    """A suggestion or motion named somewhere else, opened as the unit's latest assignment of it."""
    _enter(request)
    fk = "motion_id" if kind == "motion" else "suggestion_id"
    assignment = (
        selectors.unit_queue_for(user=request.user, state="all").filter(**{fk: pk}).order_by("-round", "-id").first()
    )
    if assignment is None:
        raise Http404()
    return redirect("proposal_units:assignment", pk=assignment.pk)
