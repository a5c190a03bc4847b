"""The public deputy directory (/deputies/) and a deputy's page (/deputies/<id>/): public fields only."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from liaison.core.exceptions import NotFound
from liaison.regions.models import CONGRESS_LEVELS, Level

from . import selectors


def page_number(value) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 7 else 1


@require_GET
def deputy_list(request):
    filters = selectors.DeputyFilters.parse(request.GET)
    page = selectors.directory_page(filters=filters, page=page_number(request.GET.get("page")))
    groups, stations = selectors.directory_filter_choices(page.region)
    regions = selectors.directory_region_choices(page.region)
    for region in regions:
        region.indent = "\u3000" * region.depth
    context = {
        "page": page,
        "filters": filters,
        "query_string": urlencode(filters.as_params()),
        "regions": regions,
        "levels": [(lv, Level(lv).label) for lv in CONGRESS_LEVELS],
        "groups": groups,
        "stations": stations,
    }
    return render(request, "deputies/public/list.html", context)


@require_GET
def deputy_detail(request, pk: int):
    try:
        deputy = selectors.public_deputy_get(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "deputies/public/detail.html", {"deputy": deputy, "person": deputy.person})
