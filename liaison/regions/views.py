"""The regions workspace (/work/regions/): the region tree, a region's congress, terms, sessions,
organs and handling units, and the forms that change them. Views parse, call one selector or
service, and render; an object outside the user's scope answers 404, a role that may not write 403."""

from functools import wraps

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound

from . import selectors, services
from .forms import CongressForm, OrganForm, ReasonForm, RegionForm, SessionForm, TermForm, UnitForm
from .rules import can_edit_region, can_view_region, edit_paths


def staff_view(perm: str):
    """Log-in required, then the role permission (403), then the object scope (NotFound → 404)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not rules.has_perm(perm, request.user):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc

        return wrapper

    return decorator


def _detail_url(region_pk: int, anchor: str = "") -> str:
    return reverse("regions:detail", args=[region_pk]) + (f"#{anchor}" if anchor else "")


def _can_manage(user, region) -> bool:
    return rules.has_perm("regions.manage", user) and can_edit_region(user, region)


def _form_view(
    request,
    form,
    call,
    *,
    success: str,
    redirect_to,
    title: str,
    cancel_url: str,
    on_saved=None,
    context: dict | None = None,
):
    """The create/edit page of every record here: on a valid POST run the service `call`, then say
    `success` and redirect (`redirect_to` is a URL or a function of the saved object returning one);
    a domain error is shown on the form (400); `on_saved(request, obj)` adds what a save has to say."""
    if request.method == "POST" and form.is_valid():
        try:
            result = call()
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, success)
            if on_saved is not None:
                on_saved(request, result)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    ctx = {"form": form, "title": title, "cancel_url": cancel_url, **(context or {})}
    return render(request, "regions/form.html", ctx, status=400 if form.errors else 200)


# --- tree and detail ----------------------------------------------------------------------------------


@staff_view("regions.view")
@require_http_methods(["GET"])
def region_tree(request):
    q = (request.GET.get("q") or "").strip()[:50]
    ctx = {"q": q, "can_create": rules.has_perm("regions.manage", request.user)}
    if q:
        page = Paginator(selectors.region_search_for(user=request.user, q=q), 50).get_page(request.GET.get("page"))
        ctx.update(page=page, results=page.object_list)
    else:
        tree = selectors.region_tree_for(user=request.user)
        ctx.update(rows=tree.rows, truncated=tree.truncated)
    return render(request, "regions/tree.html", ctx)


@staff_view("regions.view")
@require_http_methods(["GET"])
def region_children(request, pk: int):
    region, children = selectors.region_children_for(user=request.user, pk=pk)
    return render(request, "regions/_tree_rows.html", {"rows": children, "parent": region})


@staff_view("regions.view")
@require_http_methods(["GET"])
def region_detail(request, pk: int):
    detail = selectors.region_detail_for(user=request.user, pk=pk)
    for ancestor in detail.ancestors:
        ancestor.visible = can_view_region(request.user, ancestor)
    can_edit = _can_manage(request.user, detail.region)
    return render(request, "regions/detail.html", {"d": detail, "region": detail.region, "can_edit": can_edit})


# --- regions ------------------------------------------------------------------------------------------


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def region_create(request):
    parent = None
    if request.GET.get("parent"):
        try:
            parent = selectors.region_get_for(user=request.user, pk=int(request.GET["parent"]), edit=True)
        except ValueError as exc:
            raise Http404 from exc
    parent_required = edit_paths(request.user) is not None  # only the system administrator adds a top level
    form = RegionForm(
        request.POST or None,
        parent_choices=selectors.region_parent_choices_for(user=request.user, near=parent),
        parent_required=parent_required,
        initial={"parent": parent},
    )
    return _form_view(
        request,
        form,
        lambda: services.region_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            code=form.cleaned_data["code"],
            level=form.cleaned_data["level"],
            parent=form.cleaned_data["parent"],
        ),
        success=_("The region was created."),
        redirect_to=lambda region: _detail_url(region.pk),
        title=_("New region"),
        cancel_url=_detail_url(parent.pk) if parent else reverse("regions:list"),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def region_edit(request, pk: int):
    region = selectors.region_get_for(user=request.user, pk=pk, edit=True)
    form = RegionForm(
        request.POST or None,
        region=region,
        parent_choices=selectors.region_parent_choices_for(user=request.user, region=region),
        parent_required=region.parent_id is not None and edit_paths(request.user) is not None,
        initial={"name": region.name, "code": region.code, "parent": region.parent},
    )
    return _form_view(
        request,
        form,
        lambda: services.region_update(
            actor=request.user,
            region=region,
            name=form.cleaned_data["name"],
            code=form.cleaned_data["code"],
            parent=form.cleaned_data["parent"],
            reason=form.cleaned_data.get("reason", ""),
        ),
        success=_("The region was saved."),
        redirect_to=_detail_url(region.pk),
        title=_("Edit %(name)s") % {"name": region.name},
        cancel_url=_detail_url(region.pk),
    )


# --- congresses ---------------------------------------------------------------------------------------


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def congress_create(request, region_pk: int):
    region = selectors.region_get_for(user=request.user, pk=region_pk, edit=True)
    form = CongressForm(request.POST or None)
    return _form_view(
        request,
        form,
        lambda: services.congress_create(
            actor=request.user,
            region=region,
            name=form.cleaned_data["name"],
            motion_threshold=form.cleaned_data["motion_threshold"],
        ),
        success=_("The congress was created."),
        redirect_to=_detail_url(region.pk, "congress"),
        title=_("New congress of %(region)s") % {"region": region.name},
        cancel_url=_detail_url(region.pk),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def congress_edit(request, pk: int):
    congress = selectors.congress_get_for(user=request.user, pk=pk, edit=True)
    form = CongressForm(
        request.POST or None,
        editing=True,
        initial={"name": congress.name, "motion_threshold": congress.motion_threshold},
    )
    return _form_view(
        request,
        form,
        lambda: services.congress_update(
            actor=request.user,
            congress=congress,
            name=form.cleaned_data["name"],
            motion_threshold=form.cleaned_data["motion_threshold"],
            reason=form.cleaned_data.get("reason", ""),
        ),
        success=_("The congress was saved."),
        redirect_to=_detail_url(congress.region_id, "congress"),
        title=_("Edit %(name)s") % {"name": congress.name},
        cancel_url=_detail_url(congress.region_id),
    )


# --- terms --------------------------------------------------------------------------------------------


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def term_create(request, congress_pk: int):
    congress = selectors.congress_get_for(user=request.user, pk=congress_pk, edit=True)
    form = TermForm(request.POST or None)
    return _form_view(
        request,
        form,
        lambda: services.term_create(actor=request.user, congress=congress, **form.cleaned_data),
        success=_("The term was created."),
        redirect_to=_detail_url(congress.region_id, "terms"),
        title=_("New term of %(congress)s") % {"congress": congress.name},
        cancel_url=_detail_url(congress.region_id),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def term_edit(request, pk: int):
    term = selectors.term_get_for(user=request.user, pk=pk, edit=True)
    form = TermForm(
        request.POST or None,
        initial={"number": term.number, "start_date": term.start_date, "end_date": term.end_date},
    )
    region_pk = term.congress.region_id
    return _form_view(
        request,
        form,
        lambda: services.term_update(actor=request.user, term=term, **form.cleaned_data),
        success=_("The term was saved."),
        redirect_to=_detail_url(region_pk, "terms"),
        title=_("Edit %(term)s") % {"term": term},
        cancel_url=_detail_url(region_pk),
    )


# --- sessions -----------------------------------------------------------------------------------------


def _session_saved(request, session) -> None:
    """After a session is saved: warn when the notice comes fewer than 15 days before (003 §4)."""
    warning = services.session_notice_warning(session)
    if warning:
        messages.warning(request, warning)


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def session_create(request, term_pk: int):
    term = selectors.term_get_for(user=request.user, pk=term_pk, edit=True)
    region_pk = term.congress.region_id
    form = SessionForm(request.POST or None)
    return _form_view(
        request,
        form,
        lambda: services.session_create(actor=request.user, term=term, **form.cleaned_data),
        success=_("The session was created."),
        redirect_to=_detail_url(region_pk, "terms"),
        on_saved=_session_saved,
        title=_("New session of %(term)s") % {"term": term},
        cancel_url=_detail_url(region_pk),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = selectors.session_get_for(user=request.user, pk=pk, edit=True)
    region_pk = session.term.congress.region_id
    form = SessionForm(
        request.POST or None,
        initial={
            "number": session.number,
            "start_date": session.start_date,
            "end_date": session.end_date,
            "notice_date": session.notice_date,
            "motion_deadline": session.motion_deadline,
        },
    )
    return _form_view(
        request,
        form,
        lambda: services.session_update(actor=request.user, session=session, **form.cleaned_data),
        success=_("The session was saved."),
        redirect_to=_detail_url(region_pk, "terms"),
        on_saved=_session_saved,
        title=_("Edit %(session)s") % {"session": session},
        cancel_url=_detail_url(region_pk),
    )


# --- organs -------------------------------------------------------------------------------------------


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def organ_create(request, congress_pk: int):
    congress = selectors.congress_get_for(user=request.user, pk=congress_pk, edit=True)
    form = OrganForm(request.POST or None, parent_choices=selectors.organ_parent_choices(congress=congress))
    return _form_view(
        request,
        form,
        lambda: services.organ_create(actor=request.user, congress=congress, **form.cleaned_data),
        success=_("The organ was created."),
        redirect_to=_detail_url(congress.region_id, "organs"),
        title=_("New organ of %(congress)s") % {"congress": congress.name},
        cancel_url=_detail_url(congress.region_id),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def organ_edit(request, pk: int):
    organ = selectors.organ_get_for(user=request.user, pk=pk, edit=True)
    form = OrganForm(
        request.POST or None,
        parent_choices=selectors.organ_parent_choices(congress=organ.congress, organ=organ),
        initial={"kind": organ.kind, "name": organ.name, "parent": organ.parent},
    )
    region_pk = organ.congress.region_id
    return _form_view(
        request,
        form,
        lambda: services.organ_update(actor=request.user, organ=organ, **form.cleaned_data),
        success=_("The organ was saved."),
        redirect_to=_detail_url(region_pk, "organs"),
        title=_("Edit %(name)s") % {"name": organ.name},
        cancel_url=_detail_url(region_pk),
    )


# --- handling units -----------------------------------------------------------------------------------


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def unit_create(request, region_pk: int):
    region = selectors.region_get_for(user=request.user, pk=region_pk, edit=True)
    form = UnitForm(request.POST or None, parent_choices=selectors.unit_parent_choices(region=region))
    return _form_view(
        request,
        form,
        lambda: services.unit_create(actor=request.user, region=region, **form.cleaned_data),
        success=_("The handling unit was created."),
        redirect_to=_detail_url(region.pk, "units"),
        title=_("New handling unit in %(region)s") % {"region": region.name},
        cancel_url=_detail_url(region.pk),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk: int):
    unit = selectors.unit_get_for(user=request.user, pk=pk, edit=True)
    form = UnitForm(
        request.POST or None,
        parent_choices=selectors.unit_parent_choices(region=unit.region, unit=unit),
        initial={"name": unit.name, "kind": unit.kind, "parent": unit.parent},
    )
    return _form_view(
        request,
        form,
        lambda: services.unit_update(actor=request.user, unit=unit, **form.cleaned_data),
        success=_("The handling unit was saved."),
        redirect_to=_detail_url(unit.region_id, "units"),
        title=_("Edit %(name)s") % {"name": unit.name},
        cancel_url=_detail_url(unit.region_id),
    )


@staff_view("regions.manage")
@require_http_methods(["GET", "POST"])
def unit_status(request, pk: int):
    """Deactivate an active unit or reactivate an inactive one (with a reason for the audit)."""
    unit = selectors.unit_get_for(user=request.user, pk=pk, edit=True)
    form = ReasonForm(request.POST or None)
    if unit.is_active:
        call, title = services.unit_deactivate, _("Deactivate %(name)s") % {"name": unit.name}
        success = _("The handling unit was deactivated.")
    else:
        call, title = services.unit_reactivate, _("Reactivate %(name)s") % {"name": unit.name}
        success = _("The handling unit was reactivated.")
    return _form_view(
        request,
        form,
        lambda: call(actor=request.user, unit=unit, reason=form.cleaned_data["reason"]),
        success=success,
        redirect_to=_detail_url(unit.region_id, "units"),
        title=title,
        cancel_url=_detail_url(unit.region_id),
        context={"danger": unit.is_active, "unit": unit},
    )
