"""The public station pages (`/stations/`, `/stations/<id>/`), the roster's iCalendar feed and the
QR-code poster. Only open stations and published slots are shown; phone-first templates."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from liaison.core.exceptions import NotFound
from liaison.regions.selectors import region_by_id, region_lineage

from . import poster, selectors
from .ical import roster_calendar
from .models import Station

PAGE_SIZE = 20


def _station_or_404(pk) -> Station:
    try:
        return selectors.public_station_get(pk=pk)
    except NotFound:
        raise Http404() from None


@require_GET
def station_list(request):
    region = region_by_id(request.GET.get("region"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in Station.Kind.values else ""
    query = (request.GET.get("q") or "").strip()[:50]
    stations = selectors.public_station_list(region=region, kind=kind, query=query)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "region": region,
        "breadcrumbs": region_lineage(region),
        "children": selectors.region_children(region),
        "kind": kind,
        "kinds": Station.Kind.choices,
        "query": query,
    }
    return render(request, "stations/public/list.html", context)


@require_GET
def station_detail(request, pk):
    station = _station_or_404(pk)
    context = {
        "station": station,
        "deputies": selectors.station_public_deputies(station=station),
        "slots": selectors.public_roster(station=station),
        "roster_days": selectors.PUBLIC_ROSTER_DAYS,
        "opinion_url": f"/stations/{station.pk}/opinions/new/",
        "today": timezone.localdate(),
    }
    return render(request, "stations/public/detail.html", context)


@require_GET
def station_calendar(request, pk):
    station = _station_or_404(pk)
    body = roster_calendar(station=station, slots=selectors.feed_slots(station=station))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="station-{station.pk}.ics"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def station_poster_png(request, pk):
    station = _station_or_404(pk)
    with translation.override(settings.LANGUAGE_CODE):  # printed for the public: always Chinese
        body = poster.poster_png(station)
    response = HttpResponse(body, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="station-{station.pk}-poster.png"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def station_poster_svg(request, pk):
    station = _station_or_404(pk)
    with translation.override(settings.LANGUAGE_CODE):
        body = poster.poster_svg(station)
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="station-{station.pk}-poster.svg"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
