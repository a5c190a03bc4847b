"""The public deputy directory (/deputies/) and a deputy's page (/deputies/<id>/): public fields only."""

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from liaison.core.exceptions import NotFound
from liaison.core.html import region_options
from liaison.regions.models import CONGRESS_LEVELS, Level

from . import selectors


def page_number(value) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 7 else 1


@require_GET
def deputy_list(request):
    filters = selectors.DeputyFilters.parse(request.GET)
    page = selectors.directory_page(
        filters=filters,
        page=page_number(request.GET.get("page")),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        number=page_number(request.GET.get("n")),
    )
    groups, stations = selectors.directory_filter_choices(page.region)
    regions = selectors.directory_region_choices(page.region)
    context = {
        "page": page,
        "filters": filters,
        "query_string": urlencode(filters.as_params()),
        "region_options": region_options(regions, filters.region),
        "deputies_url": reverse("portal:deputies"),  # a card links to {deputies_url}{id}/
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


PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@require_GET
def deputy_photo(request, pk: int):
    """A deputy's photo, public like their page (a person who held a mandate). Uploads are never
    served straight from MEDIA_ROOT; the photo was checked to be a JPEG, PNG or WebP image and
    renamed with its real extension when it was stored."""
    person = selectors.public_photo_person(pk=pk)
    if person is None:
        raise Http404
    ext = person.photo.name.rsplit(".", 1)[-1].lower()
    try:
        handle = person.photo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=PHOTO_TYPES.get(ext, "application/octet-stream"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=86400"  # the URL carries the file's name as version
    return response
