"""The workspace of deputies' records (/work/deputies/). Liaison officers change records in their
region subtrees; leadership and station staff read them in their scope; a deputy reads their own.
Every object outside the user's scope answers 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liaison.accounts.scope import scope_for
from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound
from liaison.core.html import region_options
from liaison.regions.models import CONGRESS_LEVELS, Congress, Level, Region
from liaison.stations.models import Station

from . import forms, roster, selectors, services
from .errors import ProbableDuplicatePerson
from .models import DeputyGroup, GroupMembership, Household, HouseholdLink, Mandate, Person
from .public_views import page_number
from .scoping import covers, officer_paths, paths_q, person_write_q

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF_PER_PAGE = 50


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _fail(form, exc: ApplicationError) -> None:
    """An error from a service: a scope miss is a 404, anything else goes on the form."""
    if isinstance(exc, NotFound):
        raise Http404
    add_to_form(form, exc)


def _act(request, call, success) -> bool:
    """Run a one-button action from a page: a scope miss is a 404, another domain error becomes a
    message on the page it returns to, a success says `success`. Returns whether it succeeded."""
    try:
        call()
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return False
    messages.success(request, success)
    return True


def _delete(request, call, *, success: str, done: str, back):
    """A delete button: to `done` (the list) once deleted, back to the record with the reason when the
    service refuses (see services: "Deleting records")."""
    if _act(request, call, success):
        return redirect(done)
    return back


def _writable_person(request, pk: int) -> Person:
    _require(request, "deputies.manage")
    person = Person.objects.filter(person_write_q(request.user), pk=pk).select_related("region").first()
    if person is None:
        raise Http404
    return person


def _writable_mandate(request, pk: int) -> Mandate:
    _require(request, "deputies.manage")
    mandate = (
        Mandate.objects.filter(pk=pk)
        .select_related("person", "congress__region", "term__congress", "district", "electing_congress", "delegation")
        .first()
    )
    if mandate is None or not covers(officer_paths(request.user), mandate.region_path):
        raise Http404
    return mandate


def _writable_congress(request, pk) -> Congress:
    congress = Congress.objects.filter(pk=pk).select_related("region").first() if str(pk).isdigit() else None
    if congress is None or not covers(officer_paths(request.user), congress.region.path):
        raise Http404
    return congress


def _get(selector, **kwargs):
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404 from exc


# --------------------------------------------------------------------------------------------------
# Persons


def _list_context(request):
    filters = selectors.DeputyFilters.parse(request.GET)
    status = request.GET.get("status", "")
    status = status if status in selectors.PersonStatus.CHOICES else ""
    persons = selectors.person_list_for(user=request.user, filters=filters, status=status)
    params = filters.as_params() | ({"status": status} if status else {})
    return filters, status, persons, params


@login_required
@require_GET
def work_list(request):
    _require(request, "deputies.view")
    filters, status, persons, params = _list_context(request)
    page = Paginator(persons, STAFF_PER_PAGE).get_page(page_number(request.GET.get("page")))
    scope = scope_for(request.user)
    regions = list(
        Region.objects.filter(paths_q("path", scope.region_paths))
        .exclude(level=Level.VILLAGE)
        .order_by("path")
        .values_list("id", "name", "depth")[:2000]
    )
    groups = list(
        DeputyGroup.objects.filter(selectors.group_read_q(request.user)).only("id", "name").order_by("name")[:300]
    )
    stations = list(_stations_for(request.user).only("id", "name")[:300])
    context = {
        "page": page,
        "filters": filters,
        "status": status,
        "statuses": [
            ("serving", _("serving")),
            ("former", _("former deputies")),
            ("none", _("without a mandate")),
        ],
        "query_string": urlencode(params),
        "region_options": region_options(regions, filters.region),
        "levels": [(lv, Level(lv).label) for lv in CONGRESS_LEVELS],
        "groups": groups,
        "stations": stations,
        "can_manage": request.user.has_perm("deputies.manage"),
    }
    return render(request, "deputies/work/list.html", context)


def _stations_for(user):
    scope = scope_for(user)
    q = paths_q("region_path", scope.region_paths)
    if scope.station_ids:
        q |= Q(pk__in=sorted(scope.station_ids))
    return Station.objects.filter(q).order_by("region_path", "name")


@login_required
@require_GET
def work_export(request):
    _require(request, "deputies.view")
    _filters, _status, persons, params = _list_context(request)
    content, rows = roster.roster_export(actor=request.user, persons=persons, params=params)
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="deputies-{stamp}.xlsx"'
    return response


@login_required
def person_detail(request, pk: int):
    _require(request, "deputies.view")
    person = _get(selectors.person_get_for, user=request.user, pk=pk)
    can_manage = request.user.has_perm("deputies.manage") and (
        Person.objects.filter(person_write_q(request.user), pk=pk).exists()
    )
    links = selectors.person_households(person)
    kinds = {link.household.kind for link in links}
    paths = officer_paths(request.user)
    mandates = selectors.person_mandates(person)
    for mandate in mandates:
        mandate.can_manage = covers(paths, mandate.region_path)
    context = {
        "person": person,
        "mandates": mandates,
        "memberships": selectors.person_memberships(person),
        "stations": selectors.person_stations(person),
        "links": links,
        "household_rule_met": len(links) >= 3 and kinds == set(Household.Kind.values),
        "can_manage": can_manage,
    }
    return render(request, "deputies/work/person_detail.html", context)


def _person_form_post(request, form, *, person: Person | None):
    if not form.is_valid():
        return None
    data = form.person_data()
    confirm = form.cleaned_data.get("confirm", False)
    try:
        if person is None:
            return services.person_create(
                actor=request.user, photo=form.cleaned_data.get("photo"), confirm=confirm, **data
            )
        if form.cleaned_data.get("remove_photo"):
            data["photo"] = False
        elif form.cleaned_data.get("photo"):
            data["photo"] = form.cleaned_data["photo"]
        return services.person_update(actor=request.user, person=person, data=data, confirm=confirm)
    except ApplicationError as exc:
        _fail(form, exc)
        if isinstance(exc, ProbableDuplicatePerson):
            form.show_confirm()
        return None


@login_required
def person_create(request):
    _require(request, "deputies.manage")
    paths = officer_paths(request.user)
    form = forms.PersonForm(request.POST or None, request.FILES or None, paths=paths)
    if request.method == "POST":
        person = _person_form_post(request, form, person=None)
        if person is not None:
            messages.success(request, _("%(name)s was recorded. Now add their mandate.") % {"name": person.name})
            return redirect("deputies:mandate_create", pk=person.pk)
    return render(request, "deputies/work/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk: int):
    person = _writable_person(request, pk)
    paths = officer_paths(request.user)
    initial = model_to_dict(person, fields=forms.PERSON_FORM_FIELDS)
    form = forms.PersonForm(request.POST or None, request.FILES or None, paths=paths, person=person, initial=initial)
    if request.method == "POST":
        updated = _person_form_post(request, form, person=person)
        if updated is not None:
            messages.success(request, _("The record was saved."))
            return redirect("deputies:person", pk=person.pk)
    return render(request, "deputies/work/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_delete(request, pk: int):
    person = _writable_person(request, pk)
    return _delete(
        request,
        lambda: services.person_delete(actor=request.user, person=person),
        success=_("The record of %(name)s was deleted.") % {"name": person.name},
        done="deputies:list",
        back=redirect("deputies:person", pk=person.pk),
    )


# --------------------------------------------------------------------------------------------------
# Mandates


@login_required
def mandate_create(request, pk: int):
    person = _writable_person(request, pk)
    paths = officer_paths(request.user)
    congress_id = request.GET.get("congress") or request.POST.get("congress")
    if not congress_id:
        choose = forms.ChooseCongressForm(paths=paths)
        return render(request, "deputies/work/mandate_choose.html", {"person": person, "form": choose})
    congress = _writable_congress(request, congress_id)
    form = forms.MandateForm(request.POST or None, congress=congress)
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_create(actor=request.user, person=person, congress=congress, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The mandate was added."))
            return redirect("deputies:person", pk=person.pk)
    return render(request, "deputies/work/mandate_form.html", {"person": person, "congress": congress, "form": form})


@login_required
def mandate_edit(request, pk: int):
    mandate = _writable_mandate(request, pk)
    initial = model_to_dict(mandate, fields=services.MANDATE_FIELDS)
    form = forms.MandateForm(request.POST or None, congress=mandate.congress, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_update(actor=request.user, mandate=mandate, data=form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The mandate was saved."))
            return redirect("deputies:person", pk=mandate.person_id)
    context = {"person": mandate.person, "congress": mandate.congress, "form": form, "mandate": mandate}
    return render(request, "deputies/work/mandate_form.html", context)


@login_required
def mandate_status(request, pk: int):
    mandate = _writable_mandate(request, pk)
    form = forms.StatusForm(request.POST or None, mandate=mandate, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_change_status(actor=request.user, mandate=mandate, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect("deputies:person", pk=mandate.person_id)
    history = list(mandate.history.select_related("recorded_by").order_by("date", "id"))
    return render(request, "deputies/work/mandate_status.html", {"mandate": mandate, "form": form, "history": history})


# --------------------------------------------------------------------------------------------------
# Congresses: electoral districts and delegations


@login_required
@require_GET
def congress_list(request):
    _require(request, "deputies.manage")
    congresses = (
        Congress.objects.filter(paths_q("region__path", officer_paths(request.user)))
        .select_related("region")
        .annotate(
            district_count=Count("districts", distinct=True),
            delegation_count=Count("delegations", distinct=True),
            serving_count=Count("mandates", filter=Q(mandates__status=Mandate.Status.SERVING), distinct=True),
        )
        .order_by("region__path")
    )
    return render(request, "deputies/work/congress_list.html", {"congresses": congresses})


@login_required
def congress_sources(request, pk: int):
    _require(request, "deputies.manage")
    congress = _writable_congress(request, pk)
    district_form = forms.NameForm(request.POST if request.POST.get("kind") == "district" else None, prefix="d")
    delegation_form = forms.NameForm(request.POST if request.POST.get("kind") == "delegation" else None, prefix="g")
    if request.method == "POST":
        kind = request.POST.get("kind")
        form, create = (
            (district_form, services.district_create)
            if kind == "district"
            else (delegation_form, services.delegation_create)
        )
        if form.is_valid():
            try:
                create(actor=request.user, congress=congress, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": form.cleaned_data["name"]})
                return redirect("deputies:congress_sources", pk=congress.pk)
    context = {
        "congress": congress,
        "districts": congress.districts.order_by("name"),
        "delegations": congress.delegations.order_by("name"),
        "district_form": district_form,
        "delegation_form": delegation_form,
    }
    return render(request, "deputies/work/congress_sources.html", context)


# --------------------------------------------------------------------------------------------------
# Deputy groups


@login_required
@require_GET
def group_list(request):
    _require(request, "deputies.view")
    q = (request.GET.get("q") or "").strip()[:50]
    groups = selectors.group_list_for(user=request.user, q=q)
    page = Paginator(groups, STAFF_PER_PAGE).get_page(page_number(request.GET.get("page")))
    context = {
        "page": page,
        "q": q,
        "query_string": urlencode({"q": q} if q else {}),
        "can_manage": request.user.has_perm("deputies.manage"),
    }
    return render(request, "deputies/work/group_list.html", context)


@login_required
def group_create(request):
    _require(request, "deputies.manage")
    form = forms.GroupForm(request.POST or None, paths=officer_paths(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The group was created. Now add its members."))
            return redirect("deputies:group", pk=group.pk)
    return render(request, "deputies/work/group_form.html", {"form": form, "group": None})


def _writable_group(request, pk: int) -> DeputyGroup:
    _require(request, "deputies.manage")
    group = DeputyGroup.objects.filter(pk=pk).select_related("region", "station").first()
    if group is None or not covers(officer_paths(request.user), group.region.path):
        raise Http404
    return group


@login_required
def group_edit(request, pk: int):
    group = _writable_group(request, pk)
    form = forms.GroupForm(
        request.POST or None,
        paths=officer_paths(request.user),
        editing=True,
        initial={"name": group.name, "station": group.station_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, data=form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The group was saved."))
            return redirect("deputies:group", pk=group.pk)
    return render(request, "deputies/work/group_form.html", {"form": form, "group": group})


@login_required
@require_POST
def group_delete(request, pk: int):
    group = _writable_group(request, pk)
    return _delete(
        request,
        lambda: services.group_delete(actor=request.user, group=group),
        success=_("The group %(name)s was deleted.") % {"name": group.name},
        done="deputies:groups",
        back=redirect("deputies:group", pk=group.pk),
    )


@login_required
@require_GET
def group_detail(request, pk: int):
    _require(request, "deputies.view")
    group = _get(selectors.group_get_for, user=request.user, pk=pk)
    can_manage = request.user.has_perm("deputies.manage") and covers(officer_paths(request.user), group.region.path)
    q = (request.GET.get("q") or "").strip()[:50]
    candidates = selectors.mandate_candidates_for(user=request.user, q=q) if can_manage and q else []
    context = {
        "group": group,
        "members": selectors.group_members(group),
        "can_manage": can_manage,
        "q": q,
        "candidates": candidates,
        "positions": GroupMembership.Position.choices,
    }
    return render(request, "deputies/work/group_detail.html", context)


@login_required
@require_POST
def member_add(request, pk: int):
    group = _writable_group(request, pk)
    form = forms.MemberAddForm(request.POST)
    if form.is_valid():
        mandate = Mandate.objects.filter(pk=form.cleaned_data["mandate"]).first()
        if mandate is None:
            raise Http404
        _act(
            request,
            lambda: services.membership_add(
                actor=request.user, group=group, mandate=mandate, position=form.cleaned_data["position"]
            ),
            _("%(name)s joined the group.") % {"name": mandate.person_name},
        )
    return redirect("deputies:group", pk=group.pk)


def _writable_membership(request, pk: int) -> GroupMembership:
    _require(request, "deputies.manage")
    membership = GroupMembership.objects.filter(pk=pk).select_related("group__region", "mandate").first()
    if membership is None or not covers(officer_paths(request.user), membership.group.region.path):
        raise Http404
    return membership


@login_required
@require_POST
def membership_position(request, pk: int):
    membership = _writable_membership(request, pk)
    form = forms.PositionForm(request.POST)
    if form.is_valid():
        _act(
            request,
            lambda: services.membership_set_position(
                actor=request.user, membership=membership, position=form.cleaned_data["position"]
            ),
            _("The position was changed."),
        )
    return redirect("deputies:group", pk=membership.group_id)


@login_required
@require_POST
def membership_remove(request, pk: int):
    membership = _writable_membership(request, pk)
    _act(
        request,
        lambda: services.membership_remove(actor=request.user, membership=membership),
        _("%(name)s left the group.") % {"name": membership.mandate.person_name},
    )
    return redirect("deputies:group", pk=membership.group_id)


# --------------------------------------------------------------------------------------------------
# Households


@login_required
@require_GET
def household_list(request):
    _require(request, "deputies.view")
    kind = request.GET.get("kind", "")
    q = (request.GET.get("q") or "").strip()[:50]
    households = selectors.household_list_for(user=request.user, kind=kind, q=q)
    page = Paginator(households, STAFF_PER_PAGE).get_page(page_number(request.GET.get("page")))
    params = {k: v for k, v in {"kind": kind, "q": q}.items() if v}
    context = {
        "page": page,
        "kind": kind,
        "q": q,
        "kinds": Household.Kind.choices,
        "query_string": urlencode(params),
        "can_manage": request.user.has_perm("deputies.manage"),
    }
    return render(request, "deputies/work/household_list.html", context)


@login_required
def household_create(request):
    _require(request, "deputies.manage")
    form = forms.HouseholdForm(request.POST or None, paths=officer_paths(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The household was recorded. Now link it to a deputy."))
            return redirect("deputies:household", pk=household.pk)
    return render(request, "deputies/work/household_form.html", {"form": form})


@login_required
@require_GET
def household_detail(request, pk: int):
    _require(request, "deputies.view")
    household = _get(selectors.household_get_for, user=request.user, pk=pk)
    can_manage = request.user.has_perm("deputies.manage") and covers(officer_paths(request.user), household.region.path)
    q = (request.GET.get("q") or "").strip()[:50]
    candidates = selectors.deputy_candidates_for(user=request.user, q=q) if can_manage and q else []
    context = {
        "household": household,
        "links": list(household.links.select_related("person").order_by("since")),
        "can_manage": can_manage,
        "q": q,
        "candidates": candidates,
        "today": timezone.localdate(),
    }
    return render(request, "deputies/work/household_detail.html", context)


def _writable_household(request, pk: int) -> Household:
    _require(request, "deputies.manage")
    household = Household.objects.filter(pk=pk).select_related("region").first()
    if household is None or not covers(officer_paths(request.user), household.region.path):
        raise Http404
    return household


@login_required
def household_edit(request, pk: int):
    household = _writable_household(request, pk)
    initial = {f: getattr(household, f) for f in ("name", "kind", "phone", "address")} | {"region": household.region}
    form = forms.HouseholdForm(request.POST or None, paths=officer_paths(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(actor=request.user, household=household, data=form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The household was saved."))
            return redirect("deputies:household", pk=household.pk)
    return render(request, "deputies/work/household_form.html", {"form": form, "household": household})


@login_required
@require_POST
def household_delete(request, pk: int):
    household = _writable_household(request, pk)
    return _delete(
        request,
        lambda: services.household_delete(actor=request.user, household=household),
        success=_("The household %(name)s was deleted.") % {"name": household.name},
        done="deputies:households",
        back=redirect("deputies:household", pk=household.pk),
    )


@login_required
@require_POST
def household_link(request, pk: int):
    household = _writable_household(request, pk)
    form = forms.LinkForm(request.POST)
    if form.is_valid():
        person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            raise Http404
        _act(
            request,
            lambda: services.household_link(
                actor=request.user, household=household, person=person, since=form.cleaned_data["since"]
            ),
            _("The household is now linked to %(name)s.") % {"name": person.name},
        )
    return redirect("deputies:household", pk=household.pk)


@login_required
@require_POST
def household_unlink(request, pk: int):
    _require(request, "deputies.manage")
    link = HouseholdLink.objects.filter(pk=pk).select_related("household__region", "person").first()
    if link is None or not covers(officer_paths(request.user), link.household.region.path):
        raise Http404
    _act(request, lambda: services.household_unlink(actor=request.user, link=link), _("The link was removed."))
    return redirect("deputies:household", pk=link.household_id)


# --------------------------------------------------------------------------------------------------
# Roster import


@login_required
def roster_import(request):
    _require(request, "deputies.manage")
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = roster.roster_import(
                actor=request.user, file=form.cleaned_data["file"], check_only=form.cleaned_data["check_only"]
            )
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            if report.imported:
                messages.success(
                    request,
                    _("Imported %(mandates)s mandates (%(persons)s new persons).")
                    % {"mandates": report.mandates_created, "persons": report.persons_created},
                )
    context = {"form": form, "report": report, "columns": roster.COLUMNS}
    return render(request, "deputies/work/import.html", context)


@login_required
@require_GET
def roster_template(request):
    _require(request, "deputies.manage")
    response = HttpResponse(roster.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="deputy-roster-template.xlsx"'
    return response
