"""The opinion workspace of liaison offices, station staff and leadership (`/work/opinions/`): the
triage queue with filters, bulk steps and an .xlsx export; one opinion's page with its history and the
forms of exactly the steps the user may take now (workflow.actions_for); the overdue board; the
categories of a locality. Views parse input, call one selector or service, and render.

How errors come back (one rule for every step, in `_step_failed`):
- outside the user's scope, or missing: 404, the same answer for both;
- the wrong role for the step: 403 with the service's message;
- a stale form (someone else acted) or the wrong state: the page again, as it is now, with the
  message and the user's typed input still in its form (409);
- invalid input: the page again with the errors on the form (400).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.core import files
from liaison.core.errors import add_to_form, as_page
from liaison.core.exceptions import ApplicationError, Conflict, NotFound
from liaison.core.exceptions import PermissionDenied as AppPermissionDenied
from liaison.core.html import choice_options, region_options
from liaison.core.paging import CappedPaginator, read_page
from liaison.deputies.public_views import page_number
from liaison.regions.models import CONGRESS_LEVELS, Region

from . import exceptions as step_errors
from . import export, forms, rules, selectors, services
from .due import due_at
from .models import Category, Opinion
from .workflow import EVENT_LABELS, OPEN_STATES, TRANSITIONS, actions_for

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = Opinion.Status

STATUS_BADGE = {
    S.SUBMITTED: "text-bg-primary",
    S.ACCEPTED: "text-bg-info",
    S.ASSIGNED: "text-bg-warning",
    S.ESCALATED: "text-bg-secondary",
    S.REPLIED: "text-bg-success",
    S.FED_BACK: "text-bg-success",
    S.ANSWERED_ON_SPOT: "text-bg-light border",
    S.CONVERTED: "text-bg-light border",
    S.REDIRECTED: "text-bg-light border",
    S.MERGED: "text-bg-light border",
    S.CLOSED: "text-bg-dark",
}


def _enter(request, perm: str = "use_workspace") -> None:
    if not rules.can(request.user, perm):
        raise PermissionDenied


def _opinion(request, pk) -> Opinion:
    _enter(request)
    try:
        return selectors.opinion_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- the triage queue -------------------------------------------------------------------------------


STATUS_FILTERS = [("open", gettext_lazy("open")), ("all", gettext_lazy("all")), *S.choices]
SORT_CHOICES = [
    ("oldest", gettext_lazy("oldest first")),
    ("newest", gettext_lazy("newest first")),
    ("deadline", gettext_lazy("by deadline")),
]


@dataclass
class QueueRequest:
    filters: selectors.QueueFilters
    params: dict  # the filters as they go into links (page, export)
    region_id: int | None
    values: dict  # every filter, "" or None when not set (the form reads each key)


def _queue_request(request) -> QueueRequest:
    g = request.GET
    region_id = _int(g.get("region"))
    region_path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first() if region_id else None
    status = g.get("status") or "open"
    values = {
        "queue": "all" if g.get("queue") == "all" else "mine",
        "status": status if status in dict(STATUS_FILTERS) else "open",
        "region": region_id if region_path else None,
        "category": _int(g.get("category")),
        "channel": g.get("channel") if g.get("channel") in Opinion.Channel.values else "",
        "level": g.get("level") if g.get("level") in CONGRESS_LEVELS else "",
        "station": _int(g.get("station")),
        "overdue": "1" if g.get("overdue") == "1" else "",
        "q": (g.get("q") or "").strip()[:100],
        "sort": g.get("sort") if g.get("sort") in selectors.SORTS else "oldest",
    }
    filters = selectors.QueueFilters(
        status=values["status"],
        queue=values["queue"],
        region_path=region_path or "",
        category_id=values["category"],
        channel=values["channel"],
        level=values["level"],
        station_id=values["station"],
        overdue=bool(values["overdue"]),
        q=values["q"],
        sort=values["sort"],
    )
    params = {k: v for k, v in values.items() if v not in ("", None)}
    return QueueRequest(filters=filters, params=params, region_id=values["region"], values=values)


# What a queue row shows (queue.html), and no more: a row of the whole opinion with its region,
# station and category costs a score of date conversions and encrypted fields nobody reads.
LIST_COLUMNS = (
    "tracking_code", "received_on", "title", "is_published", "status", "level", "due_date", "channel", "version",
    "region__name", "category__name", "station__name",
)  # fmt: skip


STATUS_LABELS, LEVEL_LABELS, CHANNEL_LABELS = dict(S.choices), dict(forms.LEVEL_CHOICES), dict(Opinion.Channel.choices)


def _decorate(opinion: Opinion, today: datetime.date) -> Opinion:
    """What a queue row shows, looked up once (get_FOO_display re-hashes the field's choices on
    every call)."""
    opinion.badge = STATUS_BADGE.get(opinion.status, "text-bg-light border")
    opinion.due = due_at(opinion.due_date, today) if opinion.status in OPEN_STATES else None
    opinion.status_label = STATUS_LABELS.get(opinion.status, opinion.status)
    opinion.level_label = LEVEL_LABELS.get(opinion.level, opinion.level)
    opinion.channel_label = CHANNEL_LABELS.get(opinion.channel, opinion.channel)
    return opinion


def _bulk_options(user, categories: list[tuple[int, str]]) -> dict:
    """The bulk form's menus as <option> lists (the form validates the POST; its widgets would render
    each option through a template)."""
    return {
        "labels": {name: field.label for name, field in forms.BulkForm.base_fields.items()},
        "action": choice_options(forms.BulkForm.ACTIONS),
        "level": choice_options(forms.LEVEL_CHOICES, empty="—"),
        "category": choice_options(categories, empty=_("keep as it is")),
        "unit": choice_options(
            ((u.pk, f"{u.name}（{u.region.name}）") for u in forms.units_for(user)), empty="---------"
        ),
    }


@login_required
@require_GET
def queue(request):
    _enter(request, "triage")
    user = request.user
    qr = _queue_request(request)
    opinions = selectors.opinion_queue_for(user=user, filters=qr.filters).only(*LIST_COLUMNS)
    paginator = CappedPaginator(opinions, PAGE_SIZE)
    page = read_page(paginator.get_page(page_number(request.GET.get("page"))))
    today = timezone.localdate()
    rows = [_decorate(o, today) for o in page.object_list]
    roles = user_role_kinds(user)
    f = qr.values
    categories = list(forms.categories_for(user).values_list("id", "name"))
    context = {
        "page": page,
        "rows": rows,
        "more": getattr(paginator, "more", False),
        "f": f,
        "query_string": urlencode(qr.params),
        "has_queue": bool(roles & {"liaison_officer", "station_staff"}),
        "options": {
            "status": choice_options(STATUS_FILTERS, f["status"]),
            "sort": choice_options(SORT_CHOICES, f["sort"]),
            "channel": choice_options(Opinion.Channel.choices, f["channel"], empty=_("All channels")),
            "level": choice_options(forms.LEVEL_CHOICES, f["level"], empty=_("All levels")),
            "region": region_options(forms.regions_for(user, around=qr.filters.region_path), qr.region_id),
            "category": choice_options(categories, f["category"], empty=_("All categories")),
            "station": choice_options(
                forms.stations_for(user).values_list("id", "name"), f["station"], empty=_("All stations")
            ),
        },
        "bulk": _bulk_options(user, categories) if rows else None,
        "can_manage_categories": rules.can(user, "manage_categories"),
    }
    return render(request, "opinions/work/queue.html", context)


def user_role_kinds(user) -> set[str]:
    return {r.kind for r in user.active_roles()}


def _back_to_queue(request) -> str:
    """The queue as the user left it (its query string comes back with the bulk form)."""
    query = request.POST.get("back", "")
    if not query.startswith("?") or "//" in query or any(c in query for c in "\\\r\n"):
        query = ""
    return reverse("opinions:queue") + query


@login_required
@require_POST
def bulk(request):
    """Accept or assign the selected rows, each through the same service as on its own page, and
    report per row what was done and what was not (and why)."""
    _enter(request, "triage")
    user = request.user
    form = forms.BulkForm(request.POST, user=user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back_to_queue(request))
    data = form.cleaned_data
    codes = dict(Opinion.objects.filter(rules.visible_q(user), pk__in=data["ids"]).values_list("pk", "tracking_code"))
    done, failed = [], []
    for pk in data["ids"]:
        if pk not in codes:
            failed.append((f"#{pk}", str(NotFound.message)))
            continue
        try:
            if data["action"] == "accept":
                services.opinion_accept(
                    actor=user,
                    opinion_id=pk,
                    level=data["level"],
                    category=data["category"],
                    version=form.version_of(pk),
                )
            else:
                services.opinion_assign(actor=user, opinion_id=pk, units=[data["unit"]], version=form.version_of(pk))
        except ApplicationError as error:
            failed.append((codes[pk], str(error.message)))
        else:
            done.append(codes[pk])
    if done:
        text = (_("Accepted: %(codes)s.") if data["action"] == "accept" else _("Assigned to %(unit)s: %(codes)s.")) % {
            "codes": "、".join(done),
            "unit": data["unit"].name if data["unit"] else "",
        }
        messages.success(request, text)
    for code, reason in failed:
        messages.error(request, _("%(code)s was not changed: %(reason)s") % {"code": code, "reason": reason})
    return redirect(_back_to_queue(request))


@login_required
@require_GET
def queue_export(request):
    """The current filtered list as an .xlsx workbook, contact data masked; the export is audited."""
    _enter(request, "triage")
    qr = _queue_request(request)
    opinions = selectors.opinion_queue_for(user=request.user, filters=qr.filters)
    content, _rows = export.opinions_export(actor=request.user, opinions=opinions, params=qr.params)
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="opinions-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- one opinion ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    form: type
    run: Callable[[dict, dict], Any]  # (common service arguments, cleaned data) → result
    done: Any  # the success message


STEPS: dict[str, Step] = {
    "accept": Step(
        forms.AcceptForm,
        lambda c, d: services.opinion_accept(**c, level=d["level"], category=d["category"], comment=d["comment"]),
        gettext_lazy("The opinion was accepted."),
    ),
    "answer_on_spot": Step(
        forms.AnswerOnSpotForm,
        lambda c, d: services.opinion_answer_on_spot(**c, answer=d["answer"]),
        gettext_lazy("The answer given on the spot was recorded."),
    ),
    "assign": Step(
        forms.AssignForm,
        lambda c, d: services.opinion_assign(
            **c, units=list(d["units"]), deadline=d["deadline"], instructions=d["instructions"]
        ),
        gettext_lazy("The opinion was assigned."),
    ),
    "escalate": Step(
        forms.EscalateForm,
        lambda c, d: services.opinion_escalate(**c, comment=d["comment"]),
        gettext_lazy("The opinion was escalated to the upper congress's office."),
    ),
    "redirect": Step(
        forms.RedirectForm,
        lambda c, d: services.opinion_redirect(**c, target=d["target"], comment=d["comment"]),
        gettext_lazy("The opinion was redirected."),
    ),
    "merge": Step(
        forms.MergeForm,
        lambda c, d: services.opinion_merge(**c, into=d["into"], comment=d["comment"]),
        gettext_lazy("The opinion was merged into the earlier one."),
    ),
    "withdraw_assignment": Step(
        forms.WithdrawForm,
        lambda c, d: services.assignment_withdraw(**c, assignment_id=d["assignment"], comment=d["comment"]),
        gettext_lazy("The assignment was withdrawn."),
    ),
    "decide_extension": Step(
        forms.ExtensionDecideForm,
        lambda c, d: services.extension_decide(
            **c, extension_id=d["extension"], approve=d["decision"] == "approve", note=d["note"]
        ),
        gettext_lazy("The decision on more time was recorded."),
    ),
    "feed_back": Step(
        forms.FeedBackForm,
        lambda c, d: services.opinion_feed_back(**c, answer=d["answer"]),
        gettext_lazy("The answer was fed back to the citizen."),
    ),
    "return_visit": Step(
        forms.ReturnVisitForm,
        lambda c, d: services.opinion_return_visit(
            **c, method=d["method"], satisfaction=d["satisfaction"], comment=d["comment"]
        ),
        gettext_lazy("The return visit was recorded."),
    ),
    "close": Step(
        forms.CloseForm,
        lambda c, d: services.opinion_close(**c, comment=d["comment"]),
        gettext_lazy("The opinion was closed."),
    ),
    "publish": Step(
        forms.PublishForm,
        lambda c, d: services.opinion_publish(**c, title=d["title"], text=d["text"], answer=d["answer"]),
        gettext_lazy("The result was published."),
    ),
    "unpublish": Step(
        forms.UnpublishForm,
        lambda c, d: services.opinion_unpublish(**c, comment=d["comment"]),
        gettext_lazy("The publication was withdrawn."),
    ),
}


def _has_work(action: str, opinion: Opinion) -> bool:
    """A step the workflow allows but with nothing to act on has no form: no live assignment to
    withdraw, no pending request for more time, nothing published to withdraw."""
    if action == "withdraw_assignment":
        return any(a.status in ("pending", "accepted") for a in opinion.assignments.all())
    if action == "decide_extension":
        return any(e.status == "pending" for a in opinion.assignments.all() for e in a.extensions.all())
    if action == "unpublish":
        return opinion.is_published
    return True


def _timeline(opinion: Opinion) -> list:
    statuses = STATUS_LABELS
    targets = dict(Opinion.RedirectTarget.choices)
    satisfaction = dict(Opinion.Satisfaction.choices)
    rows = []
    for event in opinion.events.all():
        data = event.data or {}
        details = []
        if data.get("unit_names"):
            details.append("、".join(data["unit_names"]))
        elif data.get("unit_name"):
            details.append(data["unit_name"])
        if data.get("deadline"):
            details.append(_("deadline %(date)s") % {"date": data["deadline"]})
        if data.get("to_region_name"):
            details.append(_("to %(region)s") % {"region": data["to_region_name"]})
        if data.get("into"):
            details.append(_("into %(code)s") % {"code": data["into"]})
        if data.get("target"):
            details.append(str(targets.get(data["target"], data["target"])))
        if data.get("satisfaction"):
            details.append(str(satisfaction.get(data["satisfaction"], data["satisfaction"])))
        if "approved" in data:
            details.append(_("approved") if data["approved"] else _("refused"))
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.from_label = statuses.get(event.from_status, event.from_status)
        event.to_label = statuses.get(event.to_status, event.to_status)
        event.details = " · ".join(str(d) for d in details)
        # a deputy's suggestion that took the matter up: its page, for those who may see it
        suggestion = data.get("suggestion") if event.action == "taken_up" else None
        event.link = reverse("proposals:suggestion_link", args=[suggestion]) if isinstance(suggestion, int) else ""
        rows.append(event)
    return rows


def _render_opinion(request, opinion: Opinion, *, failed: tuple[str, Any] | None = None, revealed=None, status=200):
    """The opinion's page. `failed` = (action, bound form) re-shows a step that did not go through,
    with what the user typed."""
    user = request.user
    assignments = list(opinion.assignments.all())
    caps = rules.capacities(user, opinion, assignments=assignments)
    actions = [a for a in actions_for(opinion, caps) if a in STEPS and _has_work(a, opinion)]
    step_forms = {}
    for action in actions:
        if failed and failed[0] == action:
            step_forms[action] = failed[1]
        else:
            step_forms[action] = STEPS[action].form(opinion=opinion)
    unsent = failed[1] if failed and failed[0] not in step_forms else None
    today = timezone.localdate()
    reply_files: dict[int, list] = {}
    own_files = []
    for attachment in opinion.attachments.all():
        (reply_files.setdefault(attachment.reply_id, []) if attachment.reply_id else own_files).append(attachment)
    for assignment in assignments:
        assignment.due = due_at(assignment.deadline, today) if assignment.status in ("pending", "accepted") else None
        for reply in assignment.replies.all():
            reply.files = reply_files.get(reply.pk, [])
    has_contact = any(
        (opinion.submitter_name, opinion.submitter_phone, opinion.submitter_email, opinion.submitter_address)
    )
    context = {
        "opinion": _decorate(opinion, today),
        "caps": caps,
        "assignments": assignments,
        "attachments": own_files,
        "visits": list(opinion.visits.all()),
        "timeline": _timeline(opinion),
        "contact": revealed or selectors.contact_masked(opinion),
        "revealed": revealed is not None,
        "has_contact": has_contact,
        "can_reveal": bool(caps & {"handler", "unit", "receiver"}) and has_contact and not opinion.contact_purged_at,
        "actions": [(a, TRANSITIONS[a].label, step_forms[a]) for a in actions],
        "open_action": failed[0] if failed else "",
        "unsent": unsent,
        "unsent_label": TRANSITIONS[failed[0]].label if unsent is not None else "",
        "original": {"title": opinion.title, "text": opinion.text, "answer": opinion.answer},
        "is_unit": "unit" in caps,
    }
    response = render(request, "opinions/work/detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def opinion_detail(request, pk):
    return _render_opinion(request, _opinion(request, pk))


def _step_failed(request, opinion_pk, action: str, form, error: ApplicationError):
    if isinstance(error, NotFound):
        raise Http404()
    if isinstance(error, AppPermissionDenied):
        return as_page(request, error)
    opinion = _opinion(request, opinion_pk)  # as it is now
    if isinstance(error, Conflict):
        messages.error(
            request,
            _("%(error)s The page now shows the opinion as it is; what you typed is kept below.")
            % {"error": error.message},
        )
        # Keep the input (as initial values: no error marks), with the version now on screen.
        again = STEPS[action].form(opinion=opinion, initial=_typed(form))
        again.initial["version"] = opinion.version
        return _render_opinion(request, opinion, failed=(action, again), status=409)
    add_to_form(form, error)
    return _render_opinion(request, opinion, failed=(action, form), status=400)


def _typed(form) -> dict:
    """What the user typed into a form, field by field."""
    data = {}
    for name, field in form.fields.items():
        widget_value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if widget_value not in (None, "", []):
            data[name] = widget_value
    return data


@login_required
@require_POST
def step(request, pk, action: str):
    """Take one step of the workflow on the opinion (the forms of its page post here). The checks
    come in the service's order — scope, role, version, state — before the input is judged, so a
    stale or misplaced form is answered as such and not with field errors; the service checks all
    of it again under the row lock."""
    opinion = _opinion(request, pk)
    if action not in STEPS:
        raise Http404()
    transition = TRANSITIONS[action]
    caps = rules.capacities(request.user, opinion, assignments=list(opinion.assignments.all()))
    if not transition.by & caps:
        return as_page(request, step_errors.NotYourStep())
    form = STEPS[action].form(request.POST, opinion=opinion)
    seen = _int(request.POST.get("version"))
    if seen is not None and seen != opinion.version:
        return _step_failed(request, pk, action, form, step_errors.OpinionChanged())
    if opinion.status not in transition.sources:
        return _step_failed(request, pk, action, form, step_errors.TransitionNotAllowed())
    if not form.is_valid():
        return _render_opinion(request, opinion, failed=(action, form), status=400)
    common = {"actor": request.user, "opinion_id": opinion.pk, "version": form.cleaned_data["version"]}
    try:
        STEPS[action].run(common, form.cleaned_data)
    except ApplicationError as error:
        return _step_failed(request, pk, action, form, error)
    messages.success(request, str(STEPS[action].done))
    return redirect("opinions:detail", pk=opinion.pk)


@login_required
@require_POST
def contact_reveal(request, pk):
    """The full contact data, for those who handle the opinion; each look is audited."""
    _enter(request)
    try:
        revealed = services.opinion_contact_reveal(actor=request.user, opinion_id=pk)
    except NotFound:
        raise Http404() from None
    except AppPermissionDenied as error:
        return as_page(request, error)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("opinions:detail", pk=pk)
    return _render_opinion(request, _opinion(request, pk), revealed=revealed)


@login_required
@require_GET
def attachment_file(request, pk):
    """An attachment, only to users who see its opinion; files are never served from MEDIA_ROOT.
    Images show inline, PDFs download; the browser is told not to guess the type."""
    _enter(request)
    try:
        attachment = selectors.attachment_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    return files.protected_file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name or f"attachment-{attachment.pk}",
        inline=attachment.content_type.startswith("image/"),
    )


# --- the overdue board ----------------------------------------------------------------------------


@login_required
@require_GET
def overdue(request):
    _enter(request, "triage")
    rows = selectors.overdue_for(user=request.user)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    today = timezone.localdate()
    assignments = list(page.object_list)
    for assignment in assignments:
        assignment.due = due_at(assignment.deadline, today)
    return render(
        request,
        "opinions/work/overdue.html",
        {"page": page, "assignments": assignments, "more": getattr(page.paginator, "more", False)},
    )


# --- categories -----------------------------------------------------------------------------------


def _category(request, pk) -> Category:
    _enter(request, "manage_categories")
    regions = forms.category_regions_for(request.user)
    category = Category.objects.filter(pk=pk, region__in=regions).select_related("region").first()
    if category is None:
        raise Http404()
    return category


@login_required
@require_http_methods(["GET", "POST"])
def categories(request):
    _enter(request, "manage_categories")
    user = request.user
    form = forms.CategoryForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(actor=user, **form.cleaned_data)
        except ApplicationError as error:
            if isinstance(error, NotFound):
                raise Http404() from None
            add_to_form(form, error)
        else:
            messages.success(request, _("The category “%(name)s” was added.") % {"name": category.name})
            return redirect("opinions:categories")
    regions = forms.category_regions_for(user)
    context = {
        "form": form,
        "defaults": Category.objects.filter(region__isnull=True).order_by("sort", "id"),
        "own": Category.objects.filter(region__in=regions).select_related("region").order_by("region__path", "sort"),
    }
    return render(request, "opinions/work/categories.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    category = _category(request, pk)
    initial = {"name": category.name, "sort": category.sort, "is_active": category.is_active}
    form = forms.CategoryEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(actor=request.user, category_id=category.pk, **form.cleaned_data)
        except ApplicationError as error:
            if isinstance(error, NotFound):
                raise Http404() from None
            add_to_form(form, error)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("opinions:categories")
    return render(request, "opinions/work/category_form.html", {"form": form, "category": category})
