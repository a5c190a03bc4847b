"""The suggestions workspace of deputies, liaison offices, leadership and handling units
(`/work/proposals/`): the list with its filters and tabs, a deputy's new suggestion (from opinions,
with co-signers), one suggestion's page with everything about it and the forms of exactly the steps
the user may take now (workflow.actions_for), the draft's edit form, the reply documents through a
checked view, and the overdue board. Views parse input, call one selector or service, and render.
The motions' pages and the units' pages live beside these (their own modules).

How errors come back (one rule for every step, as in the opinions workspace):
- outside the user's scope, or missing: 404, the same answer for both;
- the wrong capacity for the step: 403 with the service's message;
- a stale form (someone else acted) or the wrong state: the page again, as it is now, with the
  message and the user's typed input still in its form (409);
- invalid input: the page again with the errors on the form (400).
"""

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.core import files
from liaison.core.errors import add_to_form, as_page
from liaison.core.exceptions import ApplicationError, Conflict, NotFound
from liaison.core.exceptions import PermissionDenied as AppPermissionDenied
from liaison.core.paging import CappedPaginator
from liaison.deputies.public_views import page_number
from liaison.regions.models import Session, Term

from . import exceptions as step_errors
from . import forms, handling, rules, selectors, services
from .models import Assignment, Motion, Reply, Satisfaction, Signer, Suggestion
from .workflow import SUGGESTION_HANDLING_STATES, SUGGESTION_TRANSITIONS, event_label
from .workflow import actions_for as workflow_actions

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 50  # as the opinion queue; the board prints page by page
PICKER_SIZE = 20
S = Suggestion.Status
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": files.DOCX,
    ".doc": files.DOC,
}

STATUS_BADGE = {
    S.DRAFT: "text-bg-light border",
    S.SUBMITTED: "text-bg-primary",
    S.REGISTERED: "text-bg-info",
    S.NOT_REGISTERED: "text-bg-secondary",
    S.ASSIGNED: "text-bg-warning",
    S.RE_HANDLING: "text-bg-danger",
    S.REPLIED: "text-bg-success",
    S.EVALUATED: "text-bg-success",
    S.CLOSED: "text-bg-dark",
}
SIGNER_BADGE = {
    Signer.Status.INVITED: "text-bg-warning",
    Signer.Status.CONFIRMED: "text-bg-success",
    Signer.Status.DECLINED: "text-bg-secondary",
}
SATISFACTION_BADGE = {
    Satisfaction.SATISFIED: "text-bg-success",
    Satisfaction.BASICALLY: "text-bg-info",
    Satisfaction.DISSATISFIED: "text-bg-danger",
}


def _enter(request, perm: str = "use") -> None:
    if not rules.can(request.user, perm):
        raise PermissionDenied


def _suggestion(request, pk) -> Suggestion:
    _enter(request)
    try:
        return selectors.suggestion_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _url(name: str, fallback: str, *args) -> str:
    """A page of the workspaces built beside this one (the motions' at /work/proposals/motions/, the
    units' at /work/proposals/units/), by name when it is there."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return fallback


def _optional_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def due_info(deadline: datetime.date | None, today: datetime.date) -> tuple[str, int] | None:
    """("left", n calendar days) or ("overdue", n calendar days) for a reply deadline (the periods of
    003 §24 are calendar months)."""
    if deadline is None:
        return None
    if deadline < today:
        return "overdue", (today - deadline).days
    return "left", (deadline - today).days


def user_role_kinds(user) -> set[str]:
    return {r.kind for r in user.active_roles()}


# --- the list ---------------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("open", pgettext_lazy("suggestions", "open")),
    ("handling", gettext_lazy("with the units")),
    ("all", gettext_lazy("all")),
    *S.choices,
]
SORT_CHOICES = [
    ("newest", gettext_lazy("newest first")),
    ("oldest", gettext_lazy("oldest first")),
    ("number", gettext_lazy("by registration number")),
    ("deadline", gettext_lazy("by reply deadline")),
]


@dataclass
class ListRequest:
    filters: selectors.ListFilters
    params: dict  # the filters as they go into links (pages, tabs)
    tab: str


def _list_request(request) -> ListRequest:
    g = request.GET
    status = g.get("status") or "open"
    values = {
        "status": status if status in dict(STATUS_FILTERS) else "open",
        "timing": g.get("timing") if g.get("timing") in Suggestion.Timing.values else "",
        "congress": _int(g.get("congress")),
        "term": _int(g.get("term")),
        "session": _int(g.get("session")),
        "key": "1" if g.get("key") == "1" else "",
        "overdue": "1" if g.get("overdue") == "1" else "",
        "mine": "1" if g.get("mine") == "1" else "",
        "q": (g.get("q") or "").strip()[:100],
        "sort": g.get("sort") if g.get("sort") in selectors.SORTS else "newest",
    }
    if not values["congress"]:
        values["term"] = values["session"] = None
    filters = selectors.ListFilters(
        status=values["status"],
        timing=values["timing"],
        congress_id=values["congress"],
        term_id=values["term"],
        session_id=values["session"],
        key_supervision=bool(values["key"]),
        overdue=bool(values["overdue"]),
        mine=bool(values["mine"]),
        q=values["q"],
        sort=values["sort"],
    )
    params = {k: v for k, v in values.items() if v not in ("", None) and not (k == "status" and v == "open")}
    if values["sort"] == "newest":
        params.pop("sort", None)
    if g.get("tab") == "cosign":
        tab = "cosign"
    elif values["status"] == S.SUBMITTED:
        tab = "register"
    elif values["status"] == "handling":
        tab = "handling"
    elif values["mine"]:
        tab = "mine"
    else:
        tab = "all"
    return ListRequest(filters=filters, params=params, tab=tab)


def _decorate(suggestion: Suggestion, today: datetime.date) -> Suggestion:
    suggestion.badge = STATUS_BADGE.get(suggestion.status, "text-bg-light border")
    suggestion.due = due_info(suggestion.deadline, today) if suggestion.status in SUGGESTION_HANDLING_STATES else None
    return suggestion


def _tabs(user, roles: set[str]) -> dict:
    """Which tabs the user's roles show."""
    office = bool(roles & {"liaison_officer", "leadership"})
    deputy = "deputy" in roles
    return {
        "deputy": deputy,
        "area": office or "handling_unit" in roles,
        "region": office,
        "office": "liaison_officer" in roles,
        "board": rules.can(user, "overdue_board"),
        "unit": "handling_unit" in roles,
        "can_draft": rules.can(user, "draft"),
    }


def _nav_context(user) -> dict:
    roles = user_role_kinds(user)
    return {
        "tabs": _tabs(user, roles),
        "motions_url": _optional_url("motions:list") if roles & {"deputy", "liaison_officer", "leadership"} else None,
        "units_url": _optional_url("proposal_units:queue") if "handling_unit" in roles else None,
        "reports_url": _optional_url("proposal_reports:index")
        if roles & {"liaison_officer", "leadership", "handling_unit"}
        else None,
    }


@login_required
@require_GET
def suggestion_list(request):
    _enter(request)
    user = request.user
    lr = _list_request(request)
    nav = _nav_context(user)
    context = {**nav, "tab": lr.tab, "f": lr.params, "query_string": urlencode(lr.params)}
    if nav["tabs"]["deputy"]:
        context["invitation_count"] = selectors.invitations_for(user=user).count()
    if lr.tab == "cosign":
        context["invitations"] = list(selectors.invitations_for(user=user)[:200])
        return render(request, "proposals/work/list.html", context)
    suggestions = selectors.suggestion_list_for(user=user, filters=lr.filters).defer("text")
    paginator = CappedPaginator(suggestions, PAGE_SIZE)
    page = paginator.get_page(page_number(request.GET.get("page")))
    today = timezone.localdate()
    congress_id = lr.filters.congress_id
    context.update(
        {
            "page": page,
            "rows": [_decorate(s, today) for s in page.object_list],
            "more": getattr(paginator, "more", False),
            "status_choices": STATUS_FILTERS,
            "sort_choices": SORT_CHOICES,
            "timings": Suggestion.Timing.choices,
            "congresses": list(forms.congresses_for(user).only("id", "name")),
            "terms": list(Term.objects.filter(congress_id=congress_id).order_by("-number")) if congress_id else [],
            "sessions": (
                list(
                    Session.objects.filter(term__congress_id=congress_id).select_related("term").order_by("-start_date")
                )
                if congress_id
                else []
            ),
            "filtered": bool(set(lr.params) - {"mine", "sort"}),
        }
    )
    return render(request, "proposals/work/list.html", context)


# --- the overdue board -------------------------------------------------------------------------------


@login_required
@require_GET
def overdue(request):
    """Live assignments past their deadline in the user's area, the longest overdue first: the
    office's and the leadership's board (it prints)."""
    _enter(request, "overdue_board")
    rows = selectors.overdue_board_for(user=request.user)
    paginator = CappedPaginator(rows, BOARD_PAGE_SIZE)
    page = paginator.get_page(page_number(request.GET.get("page")))
    today = timezone.localdate()
    assignments = list(page.object_list)
    roles, statuses = dict(Assignment.Role.choices), dict(Assignment.Status.choices)
    for a in assignments:
        a.due = due_info(a.deadline, today)
        # looked up once (get_FOO_display re-hashes the field's choices on every call)
        a.role_label, a.status_label = roles.get(a.role, a.role), statuses.get(a.status, a.status)
        if a.suggestion_id:
            a.link = reverse("proposals:detail", args=[a.suggestion_id])
        else:
            a.link = _url("motions:detail", f"/work/proposals/motions/{a.motion_id}/", a.motion_id)
    context = {
        **_nav_context(request.user),
        "tab": "overdue",
        "page": page,
        "assignments": assignments,
        "more": getattr(paginator, "more", False),
        "today": today,
    }
    return render(request, "proposals/work/overdue.html", context)


# --- a new suggestion -------------------------------------------------------------------------------


def _picker(user, *, congress_id=None, suggestion=None, chosen=(), q: str = "") -> dict:
    """The co-signer picker's content: the deputies ticked so far, then those who may still be asked."""
    people = forms.chosen_people(chosen)
    exclude = [p.pk for p in people]
    if suggestion is not None:
        candidates = selectors.cosigner_candidates(item=suggestion, exclude=exclude, q=q, limit=PICKER_SIZE)
    else:
        mandate = next((m for m in forms.serving_mandates(user) if m.congress_id == congress_id), None)
        if mandate is None:
            candidates = []
        else:
            exclude += sorted(rules.person_ids_of(user))
            candidates = selectors.cosigner_candidates(
                congress_id=mandate.congress_id, term_id=mandate.term_id, exclude=exclude, q=q, limit=PICKER_SIZE
            )
    return {"chosen": people, "candidates": list(candidates), "picker_q": q, "picker_size": PICKER_SIZE}


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request):
    """A deputy drafts a suggestion; `?opinion=<id>` (repeated) starts it from opinions they received."""
    _enter(request, "draft")
    user = request.user
    wanted = [v for v in request.GET.getlist("opinion") if str(v).isdigit()][: services.MAX_OPINIONS]
    form = forms.SuggestionForm(request.POST or None, user=user, opinion_ids=wanted)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            suggestion = services.suggestion_create_draft(
                actor=user,
                congress=d["congress"],
                timing=d["timing"],
                session=d["session"],
                title=d["title"],
                text=d["text"],
                category=d["category"],
                opinion_ids=d["opinions"],
                cosigners=d["persons"],
                disclosure_agreed=d["disclosure_agreed"],
            )
        except NotFound:
            raise Http404() from None
        except AppPermissionDenied as error:
            return as_page(request, error)
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            if d["persons"]:
                messages.success(
                    request,
                    _("The draft was saved and the co-signers were asked. Submit it once they have confirmed."),
                )
            else:
                messages.success(request, _("The draft was saved. Read it over, then submit it."))
            return redirect("proposals:detail", pk=suggestion.pk)
    context = {
        **_nav_context(user),
        "form": form,
        "has_mandate": bool(form.mandates),
        **_picker(user, congress_id=form.congress_id(), chosen=form.chosen_ids()),
    }
    return render(request, "proposals/work/new.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def cosigner_picker(request):
    """htmx: the co-signer picker's list for the words typed, keeping the deputies already ticked.
    For a new suggestion (`congress`) or a draft (`suggestion`)."""
    _enter(request, "draft")
    g = request.GET
    q = (g.get("q") or "").strip()[:50]
    chosen = g.getlist("persons")
    suggestion = _suggestion(request, g["suggestion"]) if g.get("suggestion") else None
    context = _picker(request.user, congress_id=_int(g.get("congress")), suggestion=suggestion, chosen=chosen, q=q)
    return render(request, "proposals/work/_cosigner_options.html", context)


# --- the draft ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_edit(request, pk):
    """The lead edits the draft. A changed title or text asks the co-signers who confirmed again."""
    suggestion = _suggestion(request, pk)
    user = request.user
    caps = selectors.capacities_for(user, suggestion)
    if "edit" not in workflow_actions(suggestion, caps):
        if not SUGGESTION_TRANSITIONS["edit"].by & caps:
            return as_page(request, step_errors.NotYourStep())
        messages.error(request, str(step_errors.TransitionNotAllowed.message))
        return redirect("proposals:detail", pk=suggestion.pk)
    form = forms.EditForm(request.POST or None, suggestion=suggestion, user=user)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.suggestion_update(
                actor=user,
                suggestion_id=suggestion.pk,
                title=d["title"],
                text=d["text"],
                timing=d["timing"],
                session=d["session"],
                category=d["category"],
                opinion_ids=d["opinions"],
                version=d["version"],
            )
        except NotFound:
            raise Http404() from None
        except AppPermissionDenied as error:
            return as_page(request, error)
        except Conflict as error:
            messages.error(
                request,
                _("%(error)s The form now carries the draft's current version; what you typed is kept.")
                % {"error": error.message},
            )
            suggestion = _suggestion(request, pk)
            form = forms.EditForm(initial=_typed(form), suggestion=suggestion, user=user)
            form.initial["version"] = suggestion.version
            status = 409
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("proposals:detail", pk=suggestion.pk)
    if form.errors:
        status = 400
    confirmed = [s.person.name for s in suggestion.signers.all() if not s.is_lead and s.status == "confirmed"]
    context = {**_nav_context(user), "form": form, "suggestion": suggestion, "confirmed": confirmed}
    return render(request, "proposals/work/edit.html", context, status=status)


# --- one suggestion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    form: type
    run: Callable[[Any, int, dict], Any]  # (actor, suggestion id, cleaned data) → result
    done: Any  # the success message


def _v(d: dict) -> dict:
    return {"version": d["version"]}


STEPS: dict[str, Step] = {
    "invite": Step(
        forms.InviteForm,
        lambda u, pk, d: services.suggestion_invite(actor=u, suggestion_id=pk, persons=d["persons"], **_v(d)),
        gettext_lazy("The deputies were asked to co-sign."),
    ),
    "remove_signer": Step(
        forms.RemoveSignerForm,
        lambda u, pk, d: services.suggestion_remove_signer(actor=u, suggestion_id=pk, signer_id=d["signer"], **_v(d)),
        gettext_lazy("The co-signer was taken off the list."),
    ),
    "confirm": Step(
        forms.PlainStepForm,
        lambda u, pk, d: services.suggestion_confirm(actor=u, suggestion_id=pk, **_v(d)),
        gettext_lazy("You signed the suggestion."),
    ),
    "decline": Step(
        forms.DeclineForm,
        lambda u, pk, d: services.suggestion_decline(actor=u, suggestion_id=pk, comment=d["comment"], **_v(d)),
        gettext_lazy("You declined to co-sign. The lead deputy was told."),
    ),
    "submit": Step(
        forms.PlainStepForm,
        lambda u, pk, d: services.suggestion_submit(actor=u, suggestion_id=pk, **_v(d)),
        gettext_lazy("The suggestion was submitted to the liaison office."),
    ),
    "discard": Step(
        forms.PlainStepForm,
        lambda u, pk, d: services.suggestion_discard(actor=u, suggestion_id=pk, **_v(d)),
        gettext_lazy("The draft was discarded."),
    ),
    "register": Step(
        forms.RegisterForm,
        lambda u, pk, d: services.suggestion_register(actor=u, suggestion_id=pk, comment=d["comment"], **_v(d)),
        gettext_lazy("The suggestion was registered."),
    ),
    "refuse": Step(
        forms.RefuseForm,
        lambda u, pk, d: services.suggestion_refuse(
            actor=u, suggestion_id=pk, reason=d["reason"], explanation=d["explanation"], **_v(d)
        ),
        gettext_lazy("The suggestion was not registered; the deputies were told why."),
    ),
    "assign": Step(
        forms.AssignForm,
        lambda u, pk, d: services.suggestion_assign(
            actor=u,
            suggestion_id=pk,
            organ=d["organ"],
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            assigned_on=d["assigned_on"],
            instructions=d["instructions"],
            **_v(d),
        ),
        gettext_lazy("The suggestion was assigned to the units."),
    ),
    "reassign": Step(
        forms.ReassignForm,
        lambda u, pk, d: services.suggestion_reassign(
            actor=u,
            suggestion_id=pk,
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            comment=d["comment"],
            **_v(d),
        ),
        gettext_lazy("The units were changed."),
    ),
    "key_supervision": Step(
        forms.KeySupervisionForm,
        lambda u, pk, d: services.suggestion_key_supervision(
            actor=u, suggestion_id=pk, organ=d["organ"], on=d["on"] == "on", comment=d["comment"], **_v(d)
        ),
        gettext_lazy("Key supervision was recorded."),
    ),
    "decide_extension": Step(
        forms.ExtensionDecideForm,
        lambda u, pk, d: handling.extension_decide(
            actor=u,
            extension_id=d["extension"],
            approve=d["decision"] == "approve",
            explanation=d["explanation"],
            **_v(d),
        ),
        gettext_lazy("The decision on more time was recorded."),
    ),
    "rate": Step(
        forms.RateForm,
        lambda u, pk, d: services.suggestion_rate(
            actor=u, suggestion_id=pk, satisfaction=d["satisfaction"], comment=d["comment"], **_v(d)
        ),
        gettext_lazy("Your rating was recorded."),
    ),
    "close": Step(
        forms.CloseForm,
        lambda u, pk, d: services.suggestion_close(actor=u, suggestion_id=pk, comment=d["comment"], **_v(d)),
        gettext_lazy("The suggestion was closed."),
    ),
    "agree_disclosure": Step(
        forms.DisclosureForm,
        lambda u, pk, d: services.suggestion_agree_disclosure(actor=u, suggestion_id=pk, agreed=d["agreed"], **_v(d)),
        gettext_lazy("Your answer on publication was recorded."),
    ),
    "publish": Step(
        forms.PlainStepForm,
        lambda u, pk, d: services.suggestion_publish(actor=u, suggestion_id=pk, **_v(d)),
        gettext_lazy("The suggestion and its reply were published on the portal."),
    ),
    "unpublish": Step(
        forms.UnpublishForm,
        lambda u, pk, d: services.suggestion_unpublish(actor=u, suggestion_id=pk, reason=d["reason"], **_v(d)),
        gettext_lazy("The publication was withdrawn."),
    ),
}
# the panel opened first on the page: what this user most likely came to do
FIRST_STEPS = ("confirm", "rate", "submit", "register", "decide_extension", "assign")
DANGER_STEPS = {"discard", "refuse", "remove_signer", "unpublish", "decline"}


def _live_in_round(suggestion: Suggestion) -> list:
    return [
        a for a in suggestion.assignments.all() if a.round == suggestion.round and a.status in ("pending", "accepted")
    ]


def _has_work(action: str, suggestion: Suggestion) -> bool:
    """A step the workflow allows but with nothing to act on has no form."""
    if action == "remove_signer":
        return any(not s.is_lead for s in suggestion.signers.all())
    if action == "decide_extension":
        return any(e.status == "pending" for a in suggestion.assignments.all() for e in a.extensions.all())
    if action == "reassign":
        return bool(_live_in_round(suggestion))
    if action == "publish":
        return suggestion.disclosure_agreed and not suggestion.published_at
    if action == "unpublish":
        return bool(suggestion.published_at)
    return True


def _timeline(suggestion: Suggestion) -> list:
    statuses = {**dict(Motion.Status.choices), **dict(S.choices)}
    suggestion_statuses = dict(S.choices)
    motion_statuses = dict(Motion.Status.choices)
    refusals = dict(Suggestion.Refusal.choices)
    satisfaction = dict(Satisfaction.choices)
    rows = []
    for event in selectors.timeline_for(suggestion):
        data = event.data or {}
        labels = motion_statuses if event.motion_id else suggestion_statuses
        details = []
        if data.get("number"):
            details.append(_("No. %(n)s") % {"n": data["number"]})
        if data.get("reason") in refusals:
            details.append(str(refusals[data["reason"]]))
        if data.get("organ_name"):
            details.append(data["organ_name"])
        if data.get("unit_names"):
            details.append("、".join(data["unit_names"]))
        elif data.get("unit_name"):
            details.append(data["unit_name"])
        if data.get("withdrawn_names"):
            details.append(_("taken off: %(units)s") % {"units": "、".join(data["withdrawn_names"])})
        if data.get("names"):
            details.append("、".join(data["names"]))
        elif data.get("name"):
            details.append(data["name"])
        if data.get("asked_again"):
            details.append(_("asked again to confirm: %(names)s") % {"names": "、".join(data["asked_again"])})
        if data.get("deadline"):
            details.append(_("deadline %(date)s") % {"date": data["deadline"]})
        if data.get("answer_class"):
            details.append(_("class %(c)s") % {"c": data["answer_class"]})
        if data.get("satisfaction") in satisfaction:
            details.append(str(satisfaction[data["satisfaction"]]))
        if "approved" in data:
            details.append(_("approved") if data["approved"] else _("refused"))
        if data.get("round") and event.action in ("re_handling", "evaluated"):
            details.append(_("round %(n)s") % {"n": data["round"]})
        event.label = event_label(event)
        event.from_label = labels.get(event.from_status, statuses.get(event.from_status, event.from_status))
        event.to_label = labels.get(event.to_status, statuses.get(event.to_status, event.to_status))
        event.details = " · ".join(str(d) for d in details)
        event.is_motion = bool(event.motion_id)
        rows.append(event)
    return rows


def _rounds(suggestion: Suggestion, caps: set[str], today: datetime.date) -> list[dict]:
    """The assignments, replies, commitments and ratings of each handling round, the latest first."""
    see_co = selectors.sees_co_opinions(caps)
    by_round: dict[int, dict] = {}
    handled_now = suggestion.status in SUGGESTION_HANDLING_STATES
    for a in suggestion.assignments.all():
        live = a.status in ("pending", "accepted") and a.round == suggestion.round
        a.due = due_info(a.deadline, today) if live and handled_now else None
        a.shown_replies = [r for r in a.replies.all() if r.kind == Reply.Kind.ANSWER or see_co]
        a.hidden_co_opinion = any(r.kind == Reply.Kind.CO_OPINION for r in a.replies.all()) and not see_co
        by_round.setdefault(a.round, {"round": a.round, "assignments": [], "ratings": []})["assignments"].append(a)
    for e in suggestion.evaluations.all():
        e.badge = SATISFACTION_BADGE.get(e.satisfaction, "text-bg-light border")
        by_round.setdefault(e.round, {"round": e.round, "assignments": [], "ratings": []})["ratings"].append(e)
    return [by_round[n] for n in sorted(by_round, reverse=True)]


def _render_suggestion(request, suggestion: Suggestion, *, failed: tuple[str, Any] | None = None, status=200):
    """The suggestion's page. `failed` = (action, bound form) re-shows a step that did not go through,
    with what the user typed."""
    user = request.user
    caps = selectors.capacities_for(user, suggestion)
    allowed = workflow_actions(suggestion, caps)
    actions = [a for a in allowed if a in STEPS and _has_work(a, suggestion)]
    step_forms = {}
    for action in actions:
        if failed and failed[0] == action:
            step_forms[action] = failed[1]
        else:
            step_forms[action] = STEPS[action].form(suggestion=suggestion)
    unsent = failed[1] if failed and failed[0] not in step_forms else None
    today = timezone.localdate()
    open_action = failed[0] if failed else next((a for a in FIRST_STEPS if a in step_forms), "")
    signers = list(suggestion.signers.all())
    for s in signers:
        s.badge = SIGNER_BADGE.get(s.status, "text-bg-light border")
    context = {
        **_nav_context(user),
        "s": _decorate(suggestion, today),
        "caps": caps,
        "signers": signers,
        "waiting": [s.person.name for s in signers if s.status == Signer.Status.INVITED],
        "opinions": list(suggestion.opinions.all()),
        "rounds": _rounds(suggestion, caps, today),
        "timeline": _timeline(suggestion),
        "actions": [(a, SUGGESTION_TRANSITIONS[a].label, step_forms[a]) for a in actions],
        "danger_steps": DANGER_STEPS,
        "can_edit": "edit" in allowed,
        "open_action": open_action,
        "unsent": unsent,
        "unsent_label": SUGGESTION_TRANSITIONS[failed[0]].label if unsent is not None else "",
        "is_unit": bool(caps & {"lead_unit", "co_unit", "lead_unit_any"}),
        "unit_url": _url(
            "proposal_units:suggestion", f"/work/proposals/units/suggestions/{suggestion.pk}/", suggestion.pk
        ),
        "motion_url": (
            _url("motions:detail", f"/work/proposals/motions/{suggestion.from_motion_id}/", suggestion.from_motion_id)
            if suggestion.from_motion_id
            else None
        ),
    }
    if "invite" in step_forms:
        invite = step_forms["invite"]
        context.update(_picker(user, suggestion=suggestion, chosen=invite.chosen_ids()))
    response = render(request, "proposals/work/detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def suggestion_detail(request, pk):
    return _render_suggestion(request, _suggestion(request, pk))


@login_required
@require_GET
def suggestion_link(request, pk):
    """The address the notifications use (/work/proposals/suggestions/<id>/): to the page, for those
    who may see it."""
    return redirect("proposals:detail", pk=_suggestion(request, pk).pk)


def _typed(form) -> dict:
    """What the user typed into a form, field by field."""
    data = {}
    for name, field in form.fields.items():
        widget_value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if widget_value not in (None, "", []):
            data[name] = widget_value
    return data


def _step_failed(request, pk, action: str, form, error: ApplicationError):
    if isinstance(error, NotFound):
        raise Http404()
    if isinstance(error, AppPermissionDenied):
        return as_page(request, error)
    suggestion = _suggestion(request, pk)  # as it is now
    if isinstance(error, Conflict):
        messages.error(
            request,
            _("%(error)s The page now shows the suggestion as it is; what you typed is kept below.")
            % {"error": error.message},
        )
        # Keep the input (as initial values: no error marks), with the version now on screen.
        again = STEPS[action].form(suggestion=suggestion, initial=_typed(form))
        again.initial["version"] = suggestion.version
        return _render_suggestion(request, suggestion, failed=(action, again), status=409)
    add_to_form(form, error)
    return _render_suggestion(request, suggestion, failed=(action, form), status=400)


@login_required
@require_POST
def step(request, pk, action: str):
    """Take one step of the workflow on the suggestion (the forms of its page post here). The checks
    come in the service's order — scope, capacity, version, state — before the input is judged, so a
    stale or misplaced form is answered as such and not with field errors; the service checks all of
    it again under the row lock."""
    suggestion = _suggestion(request, pk)
    if action not in STEPS:
        raise Http404()
    transition = SUGGESTION_TRANSITIONS[action]
    caps = selectors.capacities_for(request.user, suggestion)
    if not transition.by & caps:
        denied = step_errors.NotASigner() if action == "rate" else step_errors.NotYourStep()
        return as_page(request, denied)
    form = STEPS[action].form(request.POST, suggestion=suggestion)
    seen = _int(request.POST.get("version"))
    if seen is not None and seen != suggestion.version:
        return _step_failed(request, pk, action, form, step_errors.ItemChanged())
    if suggestion.status not in transition.sources:
        return _step_failed(
            request,
            pk,
            action,
            form,
            step_errors.TransitionNotAllowed(
                _("This step is not possible now: it is “%(status)s”.") % {"status": suggestion.get_status_display()}
            ),
        )
    if not form.is_valid():
        return _render_suggestion(request, suggestion, failed=(action, form), status=400)
    try:
        STEPS[action].run(request.user, suggestion.pk, form.cleaned_data)
    except ApplicationError as error:
        return _step_failed(request, pk, action, form, error)
    messages.success(request, str(STEPS[action].done))
    if action == "discard":
        return redirect("proposals:list")
    return redirect("proposals:detail", pk=suggestion.pk)


@login_required
@require_GET
def reply_document(request, pk):
    """A reply's document, only to users who see the reply; files are never served from MEDIA_ROOT."""
    _enter(request)
    try:
        reply = selectors.reply_document_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    extension = os.path.splitext(reply.document.name)[1].lower()
    return files.protected_file_response(
        reply.document,
        content_type=DOCUMENT_TYPES.get(extension, "application/octet-stream"),
        filename=reply.document_name or f"reply-{reply.pk}{extension}",
        inline=False,
    )
