"""/work/admin/calendar/: the system administrator keeps the official working-day calendar
(节假日安排) that every deadline counts on — a year at a glance, one day's entry, or a whole year
pasted from the State Council's notice. Access as on the other administrators' pages: anonymous →
log-in page, another role → 403. Every write goes through liaison.core.services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.accounts.admin_views import perm_required

from . import selectors, services
from .deadlines import package_schedule
from .errors import add_to_form
from .exceptions import ApplicationError, NotFound
from .forms import CalendarDayForm, CalendarImportForm

PERM = "core.manage_calendar"


def _year(year: int) -> int:
    if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        raise Http404
    return year


def _entry(pk: int):
    try:
        return selectors.calendar_day_get(pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@perm_required(PERM)
def calendar_year(request, year: int | None = None):
    if year is None:
        asked = request.GET.get("year", "")
        year = int(asked) if asked.isdigit() else timezone.localdate().year
    year = _year(year)
    package = package_schedule()
    known = range(package.first_year, max(package.last_year, timezone.localdate().year) + 2)
    years = sorted({*known, *selectors.calendar_entry_years(), year - 1, year, year + 1})
    return render(
        request,
        "core/calendar/year.html",
        {"cal": selectors.calendar_year(year=year), "years": years, "weekdays": _weekday_names()},
    )


def _weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _day_form_view(request, *, entry=None):
    """Add (entry None) or change one day's entry; both call the same service."""
    initial = {"date": parse_date(request.GET.get("date") or "") or timezone.localdate(), "kind": "holiday"}
    if entry is not None:
        initial = {"date": entry.date, "kind": "workday" if entry.is_working_day else "holiday", "name": entry.name}
    form = CalendarDayForm(request.POST or None, initial=initial, fixed_date=entry is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.calendar_day_save(
                actor=request.user,
                date=data["date"],
                is_working_day=data["kind"] == "workday",
                name=data["name"],
                reason=data["reason"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("%(date)s saved.") % {"date": saved.date.isoformat()})
            return redirect("calendar:year", year=saved.date.year)
    year = entry.date.year if entry is not None else initial["date"].year
    return render(request, "core/calendar/day_form.html", {"form": form, "entry": entry, "year": year})


@perm_required(PERM)
def calendar_day_new(request):
    return _day_form_view(request)


@perm_required(PERM)
def calendar_day_edit(request, pk: int):
    return _day_form_view(request, entry=_entry(pk))


@require_POST
@perm_required(PERM)
def calendar_day_delete(request, pk: int):
    entry = _entry(pk)
    services.calendar_day_delete(actor=request.user, day=entry, reason=request.POST.get("reason", "")[:500])
    messages.success(request, _("The entry for %(date)s was deleted.") % {"date": entry.date.isoformat()})
    return redirect("calendar:year", year=entry.date.year)


@perm_required(PERM)
def calendar_import(request, year: int):
    year = _year(year)
    form = CalendarImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.calendar_year_import(
                actor=request.user, year=year, text=data["text"], replace=data["replace"], reason=data["reason"]
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "Schedule of %(year)d saved: %(created)d added, %(updated)d changed, %(unchanged)d unchanged, "
                    "%(removed)d deleted."
                )
                % {"year": year, **result.__dict__},
            )
            return redirect("calendar:year", year=year)
    return render(request, "core/calendar/import.html", {"form": form, "year": year})
