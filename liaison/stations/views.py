"""The stations workspace (`/work/stations/`): a scoped list with completeness figures, a station's
page, create/edit (liaison officers), the ten-haves checklist with evidence, the duty roster and the
deputies assigned. Views parse input, call one selector or service, and render."""

import calendar
import datetime
import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound
from liaison.core.exceptions import PermissionDenied as AppPermissionDenied
from liaison.deputies.models import Person

from . import selectors, services
from .forms import EvidenceForm, RepeatForm, SlotCreateForm, SlotForm, StationForm
from .models import Station
from .rules import can

PAGE_SIZE = 50


def _enter(request) -> None:
    if not can(request.user, "use_workspace"):
        raise DjangoPermissionDenied


def _station(request, pk, perm: str | None = None) -> Station:
    """The station in the user's scope (404 otherwise) that the user may `perm` (403 otherwise)."""
    _enter(request)
    try:
        station = selectors.station_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    if perm and not can(request.user, perm, station):
        raise DjangoPermissionDenied
    return station


def _rights(user, station: Station) -> dict[str, bool]:
    return {
        "can_change": can(user, "edit_station", station),
        "can_assign": can(user, "assign_deputies", station),
        "can_roster": can(user, "manage_roster", station),
        "can_evidence": can(user, "manage_evidence", station),
    }


def _fail(error: ApplicationError):
    """A service's NotFound/PermissionDenied as the page's 404/403."""
    if isinstance(error, NotFound):
        raise Http404()
    if isinstance(error, AppPermissionDenied):
        raise DjangoPermissionDenied


@login_required
def work_list(request):
    _enter(request)
    kind = request.GET.get("kind", "")
    query = (request.GET.get("q") or "").strip()[:50]
    stations = selectors.station_list_for(user=request.user, kind=kind, query=query)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    total = selectors.standard_item_count()
    rows = [(s, selectors.station_completeness(station=s, total=total)) for s in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "kind": kind,
        "kinds": Station.Kind.choices,
        "query": query,
        "can_add": can(request.user, "create_station"),
    }
    return render(request, "stations/work/list.html", context)


def _station_form_data(form: StationForm) -> dict:
    return {k: form.cleaned_data[k] for k in form.fields}


@login_required
@require_http_methods(["GET", "POST"])
def station_create(request):
    _enter(request)
    if not can(request.user, "create_station"):
        raise DjangoPermissionDenied
    form = StationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            station = services.station_create(actor=request.user, **_station_form_data(form))
        except ApplicationError as error:
            _fail(error)
            add_to_form(form, error)
        else:
            messages.success(request, _("The station was created."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/work/station_form.html", {"form": form, "station": None})


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request, pk):
    station = _station(request, pk, "edit_station")
    initial = {f: getattr(station, f) for f in StationForm.base_fields if f != "region"}
    initial["region"] = station.region_id
    form = StationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.station_update(actor=request.user, station=station, **_station_form_data(form))
        except ApplicationError as error:
            _fail(error)
            add_to_form(form, error)
        else:
            messages.success(request, _("The station was saved."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/work/station_form.html", {"form": form, "station": station})


@login_required
def station_detail(request, pk):
    station = _station(request, pk)
    today = timezone.localdate()
    context = {
        "station": station,
        "completeness": selectors.station_completeness(station=station),
        "checklist": selectors.standard_checklist(station=station),
        "deputies": selectors.station_deputies(station=station),
        "slots": selectors.roster_for(station=station, start=today, end=today + datetime.timedelta(days=30)),
        **_rights(request.user, station),
    }
    return render(request, "stations/work/detail.html", context)


# --- the ten-haves checklist and its evidence -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def standard(request, pk):
    station = _station(request, pk)
    rights = _rights(request.user, station)
    form = None
    if request.method == "POST":
        if not rights["can_evidence"]:
            raise DjangoPermissionDenied
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.evidence_upload(
                    actor=request.user,
                    station=station,
                    item=form.cleaned_data["item"],
                    file=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                _fail(error)
                add_to_form(form, error)
            else:
                messages.success(request, _("The evidence was uploaded."))
                return redirect("stations:standard", pk=station.pk)
    failed_item = form.data.get("item") if form is not None and form.errors else None
    context = {
        "station": station,
        "completeness": selectors.station_completeness(station=station),
        "checklist": selectors.standard_checklist(station=station),
        "form": form,
        "failed_item": str(failed_item) if failed_item else "",
        "blank_form": EvidenceForm(),
        "max_mb": round(settings.EVIDENCE_MAX_BYTES / 1024 / 1024, 1),
        **rights,
    }
    return render(request, "stations/work/standard.html", context)


@login_required
def evidence_file(request, pk):
    """The evidence file itself, only to users who see the station; uploads are never served
    directly from MEDIA_ROOT."""
    _enter(request)
    try:
        evidence = selectors.evidence_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404() from None
    ext = mimetypes.guess_extension(evidence.content_type) or ""
    response = FileResponse(
        handle,
        content_type=evidence.content_type or "application/octet-stream",
        as_attachment=request.GET.get("download") == "1",
        filename=evidence.original_name or f"evidence-{evidence.pk}{ext}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_delete(request, pk):
    _enter(request)
    try:
        evidence = selectors.evidence_get_for(user=request.user, pk=pk)
        services.evidence_delete(actor=request.user, evidence=evidence)
    except ApplicationError as error:
        _fail(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The evidence was deleted."))
    return redirect("stations:standard", pk=evidence.station_id)


# --- deputies at the station ------------------------------------------------------------------------


@login_required
def deputies(request, pk):
    station = _station(request, pk)
    rights = _rights(request.user, station)
    query = (request.GET.get("q") or "").strip()[:50]
    context = {
        "station": station,
        "deputies": selectors.station_deputies(station=station),
        "query": query,
        "candidates": selectors.eligible_persons(station=station, query=query) if rights["can_assign"] else [],
        **rights,
    }
    return render(request, "stations/work/deputies.html", context)


def _person(request) -> Person:
    person = Person.objects.filter(pk=selectors._int(request.POST.get("person")) or 0).first()
    if person is None:
        raise Http404()
    return person


@login_required
@require_POST
def deputy_assign(request, pk):
    station = _station(request, pk, "assign_deputies")
    person = _person(request)
    try:
        services.station_deputy_assign(actor=request.user, station=station, person=person)
    except ApplicationError as error:
        _fail(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s was assigned to the station.") % {"name": person.name})
    return redirect("stations:deputies", pk=station.pk)


@login_required
@require_POST
def deputy_unassign(request, pk):
    station = _station(request, pk, "assign_deputies")
    person = _person(request)
    try:
        services.station_deputy_unassign(actor=request.user, station=station, person=person)
    except ApplicationError as error:
        _fail(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s no longer serves at the station.") % {"name": person.name})
    return redirect("stations:deputies", pk=station.pk)


# --- the duty roster ----------------------------------------------------------------------------------


def _month(value: str | None) -> datetime.date:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return timezone.localdate().replace(day=1)


def _shift(month: datetime.date, delta: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


@login_required
def roster(request, pk):
    """A month of the station's roster as a calendar and as a list, drafts included."""
    station = _station(request, pk)
    month = _month(request.GET.get("month"))
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    slots = selectors.roster_for(station=station, start=weeks[0][0], end=weeks[-1][-1])
    by_day: dict[datetime.date, list] = {}
    for slot in slots:
        by_day.setdefault(slot.date, []).append(slot)
    context = {
        "station": station,
        "month": month,
        "previous_month": _shift(month, -1),
        "next_month": _shift(month, 1),
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "month_slots": [s for s in slots if s.date.month == month.month and s.date.year == month.year],
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "today": timezone.localdate(),
        "earliest_publishable": services.earliest_publishable_date(),
        **_rights(request.user, station),
    }
    return render(request, "stations/work/roster.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def slot_create(request, pk):
    station = _station(request, pk, "manage_roster")
    initial = {"date": request.GET.get("date") or services.earliest_publishable_date()}
    form = SlotCreateForm(request.POST or None, station=station, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "actor": request.user,
            "station": station,
            "date": data["date"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "deputies": list(data["deputies"]),
            "topic": data["topic"],
            "publish": data["publish"],
        }
        try:
            if data.get("repeat"):
                created = services.slot_create_series(frequency=data["repeat"], until=data["repeat_until"], **fields)
            else:
                created = [services.slot_create(**fields)]
        except ApplicationError as error:
            _fail(error)
            add_to_form(form, error)
        else:
            messages.success(request, _("%(count)s duty slot(s) saved.") % {"count": len(created)})
            return redirect(f"{_roster_url(station)}?month={data['date']:%Y-%m}")
    context = {"form": form, "station": station, "slot": None, **_rights(request.user, station)}
    return render(request, "stations/work/slot_form.html", context)


def _roster_url(station: Station) -> str:
    return reverse("stations:roster", kwargs={"pk": station.pk})


def _slot(request, pk):
    _enter(request)
    try:
        slot = selectors.slot_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404() from None
    if not can(request.user, "manage_roster", slot.station):
        raise DjangoPermissionDenied
    return slot


@login_required
@require_http_methods(["GET", "POST"])
def slot_edit(request, pk):
    slot = _slot(request, pk)
    initial = {
        "date": slot.date,
        "start_time": slot.start_time,
        "end_time": slot.end_time,
        "topic": slot.topic,
        "deputies": list(slot.deputies.values_list("pk", flat=True)),
    }
    form = SlotForm(request.POST or None, station=slot.station, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.slot_update(
                actor=request.user,
                slot=slot,
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                deputies=list(data["deputies"]),
                topic=data["topic"],
            )
        except ApplicationError as error:
            _fail(error)
            add_to_form(form, error)
        else:
            messages.success(request, _("The duty slot was saved."))
            return redirect(f"{_roster_url(slot.station)}?month={data['date']:%Y-%m}")
    context = {
        "form": form,
        "station": slot.station,
        "slot": slot,
        "repeat_form": RepeatForm(),
        **_rights(request.user, slot.station),
    }
    return render(request, "stations/work/slot_form.html", context)


@login_required
@require_POST
def slot_publish(request, pk):
    slot = _slot(request, pk)
    try:
        services.slot_publish(actor=request.user, slot=slot)
    except ApplicationError as error:
        _fail(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The duty slot was published."))
    return redirect(f"{_roster_url(slot.station)}?month={slot.date:%Y-%m}")


@login_required
@require_POST
def slot_delete(request, pk):
    slot = _slot(request, pk)
    station, date = slot.station, slot.date
    try:
        services.slot_delete(actor=request.user, slot=slot, reason=(request.POST.get("reason") or "")[:500])
    except ApplicationError as error:
        _fail(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The duty slot was deleted."))
    return redirect(f"{_roster_url(station)}?month={date:%Y-%m}")


@login_required
@require_POST
def slot_repeat(request, pk):
    slot = _slot(request, pk)
    form = RepeatForm(request.POST)
    if form.is_valid():
        try:
            created = services.slot_repeat(
                actor=request.user,
                slot=slot,
                frequency=form.cleaned_data["frequency"],
                until=form.cleaned_data["until"],
            )
        except ApplicationError as error:
            _fail(error)
            add_to_form(form, error)
        else:
            messages.success(request, _("%(count)s duty slot(s) saved.") % {"count": len(created)})
            return redirect(f"{_roster_url(slot.station)}?month={slot.date:%Y-%m}")
    edit_form = SlotForm(
        station=slot.station,
        initial={
            "date": slot.date,
            "start_time": slot.start_time,
            "end_time": slot.end_time,
            "topic": slot.topic,
            "deputies": list(slot.deputies.values_list("pk", flat=True)),
        },
    )
    context = {
        "form": edit_form,
        "station": slot.station,
        "slot": slot,
        "repeat_form": form,
        **_rights(request.user, slot.station),
    }
    return render(request, "stations/work/slot_form.html", context)
