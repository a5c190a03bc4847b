"""The station work log (民情工作日志, 002 §4(3)) at `/work/worklog/`: a fast entry form for what a
citizen raised at a station — by visit, phone, letter, group activity or inspection — with the day's
log below it, and the same log printable on A4 in the form of the paper book.

Kept by station staff, a deputy on duty and liaison officers (`opinions.register`), for the stations
they work at (`selectors.worklog_stations_for`). `?station=…&date=…` chooses the log; `?print=1`
gives the printable page. After an entry is saved the form comes back empty with the channel, the
deputy and the date kept, ready for the next one."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liaison.accounts.models import Role
from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound
from liaison.stations.models import Station, StationDeputy

from . import rules, selectors, services
from .forms_worklog import WorklogForm
from .models import Opinion

MAX_STATIONS = 500


def _day(value) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return timezone.localdate()


def _station(request, stations: list[Station]) -> Station | None:
    """The station whose log is shown: the one asked for (404 outside the user's stations), else the
    user's first."""
    wanted = request.POST.get("station") or request.GET.get("station")
    if not wanted:
        return stations[0] if stations else None
    found = next((s for s in stations if str(s.pk) == str(wanted)), None)
    if found is None and str(wanted).isdigit():
        found = selectors.worklog_stations_for(user=request.user).filter(pk=int(wanted)).first()
    if found is None:
        raise Http404()
    return found


def _own_persons(user, station: Station) -> list[int]:
    """For a deputy who keeps the log without a staff role over the station: the deputy's own record,
    the one who received the citizen. Empty for staff and officers (they choose among the station's
    deputies)."""
    roles = user.active_roles()
    if any(r.kind == Role.Kind.STATION_STAFF and r.station_id == station.pk for r in roles):
        return []
    if any(r.kind == Role.Kind.LIAISON_OFFICER and station.region_path.startswith(r.region.path) for r in roles):
        return []
    persons = [r.person_id for r in roles if r.kind == Role.Kind.DEPUTY]
    return list(
        StationDeputy.objects.filter(station=station, person_id__in=persons).values_list("person_id", flat=True)
    )


def _rows(opinions) -> list[dict]:
    """The log's lines as the paper book has them; the citizen's contact masked."""
    rows = []
    for number, opinion in enumerate(opinions, start=1):
        created = timezone.localtime(opinion.created_at)
        rows.append(
            {
                "number": number,
                "opinion": opinion,
                "time": created.strftime("%H:%M") if created.date() == opinion.received_on else "",
                "contact": selectors.contact_masked(opinion),
                "answered": opinion.status == Opinion.Status.ANSWERED_ON_SPOT,
            }
        )
    return rows


def _log_url(**params) -> str:
    return f"{reverse('worklog:log')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request):
    if not rules.can(request.user, "register"):
        raise PermissionDenied
    stations = list(selectors.worklog_stations_for(user=request.user)[:MAX_STATIONS])
    station = _station(request, stations)
    day = _day(request.POST.get("received_on") or request.GET.get("date"))
    if station is None:
        return render(request, "opinions/worklog/log.html", {"station": None, "day": day, "stations": []})
    own = _own_persons(request.user, station)
    form = None
    if request.method == "POST":
        form = WorklogForm(request.POST, station=station, own_persons=own)
        if form.is_valid():
            data = form.cleaned_data
            try:
                opinion = services.opinion_register(
                    actor=request.user,
                    channel=data["channel"],
                    region=data["region"],
                    station=station,
                    text=data["text"],
                    category=data["category"],
                    received_by=data["received_by"],
                    received_on=data["received_on"],
                    name=data["name"],
                    phone=data["phone"],
                    answer=data["answer"],
                    idempotency_key=data["key"],
                )
            except NotFound:
                raise Http404() from None
            except ApplicationError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("Entry saved. Tracking code for the citizen: %(code)s") % {"code": opinion.tracking_code},
                )
                return redirect(
                    _log_url(
                        station=station.pk,
                        date=data["received_on"].isoformat(),
                        channel=data["channel"],
                        deputy=data["received_by"].pk if data["received_by"] else "",
                    )
                )
    printing = request.GET.get("print") == "1"
    if form is None and not printing:
        initial = {
            "channel": request.GET.get("channel") or Opinion.Channel.VISIT,
            "received_on": day,
            "region": station.region_id,
            "received_by": request.GET.get("deputy") or (own[0] if own else None),
        }
        form = WorklogForm(station=station, own_persons=own, initial=initial)
    context = {
        "station": station,
        "stations": stations,
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "rows": _rows(selectors.worklog_for(user=request.user, day=day, station_id=station.pk)),
        "form": form,
        "print_url": _log_url(station=station.pk, date=day.isoformat(), print=1),
    }
    template = "opinions/worklog/print.html" if printing else "opinions/worklog/log.html"
    response = render(request, template, context, status=400 if form is not None and form.errors else 200)
    response["Cache-Control"] = "private, no-store"
    return response
