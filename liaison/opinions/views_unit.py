"""The handling unit's workspace (`/work/units/`): the queue of the unit's assignments and the
unit's page of one assignment, with its steps — accept, send back, record a contact with the
citizen, ask for more time, reply. Views parse input, call one selector or service, render.

Access: only handling unit staff (`opinions.unit_queue`); an office officer who is not also unit
staff is refused, and another unit's assignment is answered like a missing one (404)."""

import datetime
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
from liaison.core.paging import read_page

from . import forms_unit as forms
from . import rules, selectors, services
from .due import Due, due_at
from .exceptions import OpinionChanged
from .models import Assignment, Extension
from .workflow import EVENT_LABELS, LIVE_ASSIGNMENT, actions_for

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
        return selectors.unit_assignment_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


def due_for(assignment: Assignment, today: datetime.date) -> Due | None:
    if assignment.status not in LIVE_ASSIGNMENT:
        return None
    return due_at(assignment.deadline, today, icon=True)


# --- the queue ----------------------------------------------------------------------------------------

# What a row of the unit's queue shows (unit/queue.html), and no more: the whole opinion would bring
# its text and four encrypted fields to decrypt, for every row.
QUEUE_COLUMNS = (
    "deadline", "status", "replied_at", "unit__name",
    "opinion__title", "opinion__tracking_code", "opinion__region__name", "opinion__category__name",
)  # fmt: skip


@login_required
@require_GET
def queue(request):
    _enter(request)
    tabs = dict(TABS)
    tab = request.GET.get("tab") if request.GET.get("tab") in tabs else "open"
    query = (request.GET.get("q") or "").strip()[:50]
    rows = selectors.unit_queue_for(user=request.user, state=tab, q=query).only(*QUEUE_COLUMNS)
    page = read_page(Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")))
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
        "today": today,
    }
    return render(request, "opinions/unit/queue.html", context)


@login_required
@require_GET
def opinion_redirect(request, pk):
    """An opinion named in a notification, opened as the unit's assignment of it."""
    _enter(request)
    assignment = (
        selectors.unit_queue_for(user=request.user, state="all").filter(opinion_id=pk).order_by("-created_at").first()
    )
    if assignment is None:
        raise Http404()
    return redirect("opinions_unit:assignment", pk=assignment.pk)


# --- one assignment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    action: str  # the workflow's name of the step
    form: type
    run: Callable  # (common arguments, cleaned data) → calls the service
    done: object
    label: object
    shown: Callable = lambda assignment, pending: True


STEPS: dict[str, Step] = {
    "accept": Step(
        "unit_accept",
        forms.AcceptForm,
        lambda c, d: services.assignment_accept(**c),
        gettext_lazy("You accepted the assignment; the office and the citizen see that it is being handled."),
        gettext_lazy("Accept the assignment"),
        shown=lambda a, pending: a.status == Assignment.Status.PENDING,
    ),
    "reply": Step(
        "reply",
        forms.ReplyForm,
        lambda c, d: services.assignment_reply(**c, text=d["text"], attachments=d["attachments"]),
        gettext_lazy("Your reply was sent to the liaison office."),
        gettext_lazy("Reply"),
    ),
    "contact": Step(
        "unit_contact",
        forms.ContactForm,
        lambda c, d: services.assignment_contact_add(**c, kind=d["kind"], date=d["date"], note=d["note"]),
        gettext_lazy("The contact with the citizen was recorded."),
        gettext_lazy("Record a contact with the citizen"),
    ),
    "extension": Step(
        "unit_extension",
        forms.ExtensionForm,
        lambda c, d: services.extension_request(**c, deadline=d["deadline"], reason=d["reason"]),
        gettext_lazy("Your request for more time was sent to the liaison office."),
        gettext_lazy("Ask for more time"),
        shown=lambda a, pending: pending is None,
    ),
    "return": Step(
        "unit_return",
        forms.ReturnForm,
        lambda c, d: services.assignment_return(**c, reason=d["reason"]),
        gettext_lazy("The opinion was sent back to the liaison office."),
        gettext_lazy("Send back (not for our unit)"),
    ),
}


def _new_form(name: str, assignment: Assignment, data=None, files_=None):
    kwargs = {"initial": {"version": assignment.opinion.version}}
    if name == "extension":
        kwargs["latest"] = services.extension_latest(assignment)
    return STEPS[name].form(data, files_, **kwargs)


def _render(request, assignment: Assignment, *, failed: tuple | None = None, revealed=None, status: int = 200):
    """The unit's page of the assignment. `failed` = (step, bound form) shows a step that did not go
    through again, with what the user typed."""
    opinion = assignment.opinion
    caps = rules.capacities(request.user, opinion, assignments=[assignment])
    possible = set(actions_for(opinion, caps)) if assignment.status in LIVE_ASSIGNMENT else set()
    extensions = list(assignment.extensions.all())
    pending = next((e for e in extensions if e.status == Extension.Status.PENDING), None)
    steps = []
    for name, step in STEPS.items():
        if step.action in possible and step.shown(assignment, pending):
            form = failed[1] if failed and failed[0] == name else _new_form(name, assignment)
            url = reverse(f"opinions_unit:{name}", kwargs={"pk": assignment.pk})
            steps.append({"name": name, "label": step.label, "form": form, "url": url})
    has_contact = any(
        (opinion.submitter_name, opinion.submitter_phone, opinion.submitter_email, opinion.submitter_address)
    )
    timeline = selectors.unit_timeline(assignment=assignment)
    for event in timeline:
        event.label = EVENT_LABELS.get(event.action, event.action)
    context = {
        "assignment": assignment,
        "opinion": opinion,
        "due": due_for(assignment, timezone.localdate()),
        "attachments": selectors.opinion_attachments_for_unit(assignment=assignment),
        "contact": revealed or selectors.contact_masked(opinion),
        "revealed": revealed is not None,
        "has_contact": has_contact,
        "can_reveal": "unit" in caps and has_contact and not opinion.contact_purged_at,
        "steps": steps,
        "open_step": failed[0] if failed else "",
        "pending_extension": pending,
        "extensions": extensions,
        "latest_extension": services.extension_latest(assignment) if assignment.status in LIVE_ASSIGNMENT else None,
        "timeline": timeline,
    }
    response = render(request, "opinions/unit/assignment.html", context, status=status)
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
    if assignment.status not in LIVE_ASSIGNMENT and isinstance(error, Conflict | AppPermissionDenied):
        messages.error(
            request,
            _("This assignment is “%(status)s” now; there is no step left for your unit to take on it.")
            % {"status": assignment.get_status_display()},
        )
        return _render(request, assignment, status=409)
    if isinstance(error, AppPermissionDenied):
        return as_page(request, error)
    if isinstance(error, Conflict):
        messages.error(
            request,
            _("%(error)s The page now shows the opinion as it is; what you typed is kept below.")
            % {"error": error.message},
        )
        data = form.data.copy()
        data["version"] = str(assignment.opinion.version)
        again = _new_form(name, assignment, data)
        again.is_valid()
        return _render(request, assignment, failed=(name, again), status=409)
    add_to_form(form, error)
    return _render(request, assignment, failed=(name, form), status=400)


@login_required
@require_POST
def step(request, pk, name: str):
    """One step of the unit on its assignment (the forms of the assignment's page post here)."""
    assignment = _assignment(request, pk)
    form = _new_form(name, assignment, request.POST, request.FILES)
    if not form.is_valid():
        if str(request.POST.get("version", "")).strip() != str(assignment.opinion.version):
            return _failed(request, pk, name, form, OpinionChanged())
        return _render(request, assignment, failed=(name, form), status=400)
    common = {
        "actor": request.user,
        "opinion_id": assignment.opinion_id,
        "assignment_id": assignment.pk,
        "version": form.cleaned_data["version"],
    }
    try:
        STEPS[name].run(common, form.cleaned_data)
    except ApplicationError as error:
        return _failed(request, pk, name, form, error)
    messages.success(request, str(STEPS[name].done))
    if name == "return":
        return redirect("opinions_unit:queue")
    return redirect("opinions_unit:assignment", pk=assignment.pk)


@login_required
@require_POST
def contact_reveal(request, pk):
    """The citizen's full contact, for the unit handling the opinion; every look is audited."""
    assignment = _assignment(request, pk)
    try:
        revealed = services.opinion_contact_reveal(actor=request.user, opinion_id=assignment.opinion_id)
    except NotFound:
        raise Http404() from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("opinions_unit:assignment", pk=assignment.pk)
    if request.headers.get("HX-Request"):
        response = render(request, "opinions/unit/_contact.html", {"contact": revealed, "revealed": True})
        response["Cache-Control"] = "private, no-store"
        return response
    return _render(request, assignment, revealed=revealed)


@login_required
@require_GET
def attachment_file(request, pk):
    """The citizen's attachment or the unit's own reply attachment; images show inline, PDFs download."""
    _enter(request)
    try:
        attachment = selectors.unit_attachment_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    return files.protected_file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name or f"attachment-{attachment.pk}",
        inline=attachment.content_type.startswith("image/"),
    )
