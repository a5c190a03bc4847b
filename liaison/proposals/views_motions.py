"""The motions workspace (议案, `/work/proposals/motions/`): the list in the user's scope, a new motion
(a deputy's, who then asks others to sign; or the office's for a delegation or the presidium), and one
motion's page — its text, the signatures against the congress's threshold, the session's deadline,
the timeline, and the forms of exactly the steps the user may take now (selectors.actions_for).
Views parse input, call one service or selector, render.

How errors come back (as in the opinions workspace):
- outside the user's scope, or missing: 404, the same answer for both;
- the wrong capacity for the step: 403 with the service's message;
- a stale form (someone else acted) or the wrong state: the page as it is now with the message and
  what the user typed (409);
- invalid input, or a rule of the service (too few signatures, after the deadline, a signer whose
  mandate ended, …): the page with the errors on the step's form (400)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.accounts.scope import scope_for
from liaison.core.errors import add_to_form, as_page
from liaison.core.exceptions import ApplicationError, Conflict, NotFound
from liaison.core.exceptions import PermissionDenied as AppPermissionDenied
from liaison.deputies.public_views import page_number
from liaison.regions.models import Session

from . import exceptions as errors
from . import forms_motions as forms
from . import handling, motions, rules, selectors
from .models import Extension, Motion, Signer
from .views_unit import due_for
from .workflow import MOTION_TRANSITIONS, event_label

PAGE_SIZE = 50
M = Motion.Status

STATUS_BADGE = {
    M.DRAFT: "text-bg-light border",
    M.COLLECTING: "text-bg-info",
    M.SUBMITTED: "text-bg-primary",
    M.UNDER_REVIEW: "text-bg-warning",
    M.ACCEPTED: "text-bg-success",
    M.CONVERTED: "text-bg-secondary",
    M.WITHDRAWN: "text-bg-dark",
    M.ASSIGNED: "text-bg-warning",
    M.REPLIED: "text-bg-success",
    M.REPORTED: "text-bg-dark",
}
STATUS_FILTERS = [("open", gettext_lazy("open")), ("all", gettext_lazy("all")), *M.choices]


def _enter(request) -> None:
    if not rules.can(request.user, "use"):
        raise PermissionDenied


def _motion(request, pk) -> Motion:
    _enter(request)
    try:
        return selectors.motion_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def suggestion_url(pk: int) -> str:
    """The page of a suggestion in the suggestions workspace (/work/proposals/<id>/)."""
    for name in ("proposals:detail", "proposals:suggestion_detail"):
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return f"/work/proposals/{pk}/"


# --- the list ---------------------------------------------------------------------------------------


def _filter_sessions(user) -> list[Session]:
    """The sessions offered by the list's filter: of the congresses in the user's region subtrees and
    of those the user holds (or held) a mandate in, the latest first."""
    scope = scope_for(user)
    q = scope.region_q("term__congress__region__path")
    if scope.person_ids:
        q |= Q(term__mandates__person_id__in=scope.person_ids)
    return list(
        Session.objects.filter(q)
        .distinct()
        .select_related("term__congress")
        .order_by("-start_date", "-id")[: forms.MAX_CHOICES]
    )


@login_required
@require_GET
def motion_list(request):
    _enter(request)
    user = request.user
    g = request.GET
    status = g.get("status") or "open"
    status = status if status in dict(STATUS_FILTERS) else "open"
    session_id = _int(g.get("session"))
    query = (g.get("q") or "").strip()[:100]
    mine = g.get("mine") == "1"
    filters = selectors.ListFilters(status=status, session_id=session_id, q=query, mine=mine)
    rows = selectors.motion_list_for(user=user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(page_number(g.get("page")))
    for motion in page.object_list:
        motion.badge = STATUS_BADGE.get(motion.status, "text-bg-light border")
    params = {"status": status, "session": session_id or "", "q": query, "mine": "1" if mine else ""}
    scope = scope_for(user)
    context = {
        "page": page,
        "f": params,
        "query_string": urlencode({k: v for k, v in params.items() if v}),
        "status_choices": STATUS_FILTERS,
        "sessions": _filter_sessions(user),
        "is_deputy": bool(scope.person_ids),
        "can_create": bool(forms.proposer_choices(user)),
    }
    return render(request, "proposals/motions/list.html", context)


# --- a new motion -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def motion_new(request):
    _enter(request)
    user = request.user
    if not forms.proposer_choices(user):
        raise PermissionDenied
    form = forms.NewMotionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            motion = motions.motion_create_draft(
                actor=user,
                congress=data["congress"],
                session=data["session"],
                title=data["title"],
                grounds=data["grounds"],
                plan=data["plan"],
                proposer=data["proposer"],
                delegation=data["delegation"] or None,
            )
        except ApplicationError as error:
            if isinstance(error, AppPermissionDenied):
                return as_page(request, error)
            add_to_form(form, error)
        else:
            if motion.proposer == Motion.Proposer.DEPUTIES:
                messages.success(request, _("The draft was saved. Now ask other deputies of the congress to sign it."))
            else:
                messages.success(request, _("The draft was saved. Submit it when it is ready."))
            return redirect("motions:detail", pk=motion.pk)
    status = 400 if form.errors else 200
    return render(request, "proposals/motions/new.html", {"form": form}, status=status)


# --- one motion ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    form: type
    run: Callable[[Any, Motion, dict], Any]  # (user, motion, cleaned data) → calls the service
    done: Any


def _v(d) -> dict:
    return {"version": d["version"]}


STEPS: dict[str, Step] = {
    "edit": Step(
        forms.EditForm,
        lambda u, m, d: motions.motion_update(
            actor=u, motion_id=m.pk, title=d["title"], grounds=d["grounds"], plan=d["plan"], **_v(d)
        ),
        gettext_lazy("The motion was saved. Deputies who had signed are asked to sign the new text again."),
    ),
    "invite": Step(
        forms.InviteForm,
        lambda u, m, d: motions.motion_invite(actor=u, motion_id=m.pk, persons=d["persons"], **_v(d)),
        gettext_lazy("The deputies were asked to sign; each is notified."),
    ),
    "remove_signer": Step(
        forms.RemoveSignerForm,
        lambda u, m, d: motions.motion_remove_signer(actor=u, motion_id=m.pk, signer_id=d["signer"], **_v(d)),
        gettext_lazy("The deputy was taken off the list of signers."),
    ),
    "confirm": Step(
        forms.ConfirmForm,
        lambda u, m, d: motions.motion_confirm(actor=u, motion_id=m.pk, **_v(d)),
        gettext_lazy("You signed the motion."),
    ),
    "decline": Step(
        forms.DeclineForm,
        lambda u, m, d: motions.motion_decline(actor=u, motion_id=m.pk, comment=d["comment"], **_v(d)),
        gettext_lazy("You declined to sign the motion."),
    ),
    "submit": Step(
        forms.SubmitForm,
        lambda u, m, d: motions.motion_submit(actor=u, motion_id=m.pk, **_v(d)),
        gettext_lazy("The motion was submitted to the session and numbered."),
    ),
    "withdraw": Step(
        forms.WithdrawForm,
        lambda u, m, d: motions.motion_withdraw(actor=u, motion_id=m.pk, reason=d["reason"], **_v(d)),
        gettext_lazy("The motion was withdrawn."),
    ),
    "withdraw_consented": Step(
        forms.WithdrawConsentedForm,
        lambda u, m, d: motions.motion_withdraw(
            actor=u, motion_id=m.pk, reason=d["reason"], presidium_consent=d["presidium_consent"], **_v(d)
        ),
        gettext_lazy("The motion was withdrawn with the presidium's consent."),
    ),
    "review": Step(
        forms.ReviewForm,
        lambda u, m, d: motions.motion_review(
            actor=u, motion_id=m.pk, opinion=d["opinion"], outside_powers=d["outside_powers"], **_v(d)
        ),
        gettext_lazy("The review committee's opinion was recorded."),
    ),
    "accept": Step(
        forms.DecisionForm,
        lambda u, m, d: motions.motion_accept(actor=u, motion_id=m.pk, note=d["note"], **_v(d)),
        gettext_lazy("The presidium's decision was recorded: accepted as a motion of the session."),
    ),
    "convert": Step(
        forms.DecisionForm,
        lambda u, m, d: motions.motion_convert(actor=u, motion_id=m.pk, note=d["note"], **_v(d)),
        gettext_lazy("The presidium's decision was recorded: the motion is handled as a suggestion."),
    ),
    "assign": Step(
        forms.AssignForm,
        lambda u, m, d: motions.motion_assign(
            actor=u,
            motion_id=m.pk,
            organ=d["organ"],
            lead_unit=d["lead_unit"],
            co_units=d["co_units"],
            assigned_on=d["assigned_on"],
            instructions=d["instructions"],
            **_v(d),
        ),
        gettext_lazy("The motion was assigned; the units are notified."),
    ),
    "decide_extension": Step(
        forms.DecideExtensionForm,
        lambda u, m, d: handling.extension_decide(
            actor=u,
            extension_id=d["extension"],
            approve=d["decision"] == "approve",
            explanation=d["explanation"],
            **_v(d),
        ),
        gettext_lazy("The decision on more time was recorded."),
    ),
    "report": Step(
        forms.ReportForm,
        lambda u, m, d: motions.motion_report(actor=u, motion_id=m.pk, report=d["report"], **_v(d)),
        gettext_lazy("The handling report was recorded."),
    ),
}
# Steps shown in place (the signers' list, the invitation, the submission), not as a panel of their own.
INLINE = {"remove_signer", "confirm", "decline", "submit", "invite"}


def _has_work(action: str, motion: Motion) -> bool:
    if action == "remove_signer":
        return bool(forms.removable_signers(motion))
    if action == "decide_extension":
        return any(e.status == Extension.Status.PENDING for a in motion.assignments.all() for e in a.extensions.all())
    return True


@dataclass
class Deadline:
    at: datetime.datetime
    passed: bool
    days: int
    hours: int


def _deadline(motion: Motion) -> Deadline:
    at = motions.motion_deadline(motion.session)
    left = at - timezone.now()
    if left.total_seconds() < 0:
        return Deadline(at, True, 0, 0)
    return Deadline(at, False, left.days, left.seconds // 3600)


def _timeline(motion: Motion) -> tuple[list, int | None]:
    statuses = dict(M.choices)
    outside = dict(Motion.OutsidePowers.choices)
    rows = []
    converted_to = None
    for event in selectors.timeline_for(motion):
        data = event.data or {}
        details = []
        if data.get("names"):
            details.append("、".join(data["names"]))
        elif data.get("name") and data["name"] != event.actor_label:
            details.append(data["name"])
        if data.get("unit_names"):
            details.append("、".join(data["unit_names"]))
        elif data.get("unit_name"):
            details.append(data["unit_name"])
        if data.get("number"):
            details.append(_("No. %(n)s") % {"n": data["number"]})
        if data.get("signatures"):
            details.append(_("%(n)s signatures") % {"n": data["signatures"]})
        if data.get("dropped"):
            details.append(_("unanswered invitations dropped: %(names)s") % {"names": "、".join(data["dropped"])})
        if data.get("outside_powers"):
            details.append(_("outside the congress's powers: %(case)s") % {"case": outside[data["outside_powers"]]})
        if data.get("asked_again"):
            details.append(_("asked to sign again: %(names)s") % {"names": "、".join(data["asked_again"])})
        if data.get("deadline"):
            details.append(_("deadline %(date)s") % {"date": data["deadline"]})
        if "approved" in data:
            details.append(_("approved") if data["approved"] else _("refused"))
        if data.get("answer_class"):
            details.append(_("class %(c)s") % {"c": data["answer_class"]})
        if event.action == "convert" and data.get("suggestion"):
            converted_to = data["suggestion"]
        event.label = event_label(event)
        event.from_label = statuses.get(event.from_status, event.from_status)
        event.to_label = statuses.get(event.to_status, event.to_status)
        event.details = " · ".join(str(d) for d in details)
        rows.append(event)
    return rows, converted_to


def _render(request, motion: Motion, *, failed: tuple[str, Any] | None = None, status: int = 200):
    """The motion's page. `failed` = (action, bound form) shows a step that did not go through again,
    with what the user typed."""
    user = request.user
    actions = [a for a in selectors.actions_for(user, motion) if a in STEPS and _has_work(a, motion)]
    step_forms = {}
    for action in actions:
        if failed and failed[0] == action:
            step_forms[action] = failed[1]
        else:
            step_forms[action] = STEPS[action].form(motion=motion)
    unsent = failed[1] if failed and failed[0] not in step_forms else None
    signers = list(motion.signers.all())
    confirmed = [s for s in signers if s.status == Signer.Status.CONFIRMED]
    threshold = motion.congress.motion_threshold
    timeline, converted_to = _timeline(motion)
    today = timezone.localdate()
    assignments = list(motion.assignments.all())
    for a in assignments:
        a.due = due_for(a, today)
    panels = [
        (a, MOTION_TRANSITIONS[a].label, step_forms[a], reverse("motions:step", args=[motion.pk, a]))
        for a in actions
        if a not in INLINE
    ]
    context = {
        "motion": motion,
        "badge": STATUS_BADGE.get(motion.status, "text-bg-light border"),
        "signers": signers,
        "confirmed": len(confirmed),
        "threshold": threshold,
        "by_deputies": motion.proposer == Motion.Proposer.DEPUTIES,
        "progress": min(100, round(100 * len(confirmed) / threshold)) if threshold else 100,
        "deadline": _deadline(motion),
        "actions": actions,
        "forms": step_forms,
        "panels": panels,
        "open_action": failed[0] if failed else "",
        "unsent": unsent,
        "unsent_label": MOTION_TRANSITIONS[failed[0]].label if unsent is not None else "",
        "candidates": selectors.cosigner_candidates(item=motion) if "invite" in actions else [],
        "timeline": timeline,
        "converted_to": converted_to,
        "suggestion_url": suggestion_url(converted_to) if converted_to else "",
        "assignments": assignments,
    }
    response = render(request, "proposals/motions/detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def motion_detail(request, pk):
    return _render(request, _motion(request, pk))


def _typed(form) -> dict:
    """What the user typed into a form, field by field."""
    data = {}
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if value not in (None, "", []):
            data[name] = value
    return data


def _failed(request, pk, action: str, form, error: ApplicationError):
    if isinstance(error, NotFound):
        raise Http404()
    if isinstance(error, AppPermissionDenied):
        return as_page(request, error)
    motion = _motion(request, pk)  # as it is now
    if isinstance(error, Conflict):
        messages.error(
            request,
            _("%(error)s The page now shows the motion as it is; what you typed is kept below.")
            % {"error": error.message},
        )
        again = STEPS[action].form(motion=motion, initial={**_typed(form), "version": motion.version})
        return _render(request, motion, failed=(action, again), status=409)
    add_to_form(form, error)
    return _render(request, motion, failed=(action, form), status=400)


@login_required
@require_POST
def motion_step(request, pk, action: str):
    """One step of the workflow on the motion (the forms of its page post here)."""
    if action not in STEPS:
        raise Http404()
    motion = _motion(request, pk)
    form = STEPS[action].form(request.POST, motion=motion)
    if not form.is_valid():
        if str(request.POST.get("version", "")).strip() != str(motion.version):
            return _failed(request, pk, action, form, errors.ItemChanged())
        return _render(request, motion, failed=(action, form), status=400)
    try:
        STEPS[action].run(request.user, motion, form.cleaned_data)
    except ApplicationError as error:
        return _failed(request, pk, action, form, error)
    messages.success(request, str(STEPS[action].done))
    return redirect("motions:detail", pk=motion.pk)


@login_required
@require_GET
def cosigner_search(request, pk):
    """The co-signer picker's results (htmx): deputies of the motion's congress and term who may be
    asked, by name or pinyin; those already ticked are left out (they stay in the picker)."""
    motion = _motion(request, pk)
    if "invite" not in selectors.actions_for(request.user, motion):
        return as_page(request, errors.NotYourStep())
    query = (request.GET.get("q") or "").strip()[:50]
    ticked = {i for i in (_int(v) for v in request.GET.getlist("persons")) if i}
    candidates = [m for m in selectors.cosigner_candidates(item=motion, q=query) if m.person_id not in ticked]
    return render(
        request,
        "proposals/motions/_candidates.html",
        {"candidates": candidates, "query": query, "motion": motion},
    )
