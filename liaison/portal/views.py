from django.shortcuts import render
from django.views.decorators.http import require_GET

from liaison.regions.selectors import region_by_id, region_lineage

from . import selectors


@require_GET
def home(request):
    """Find your deputies and your station by region; upcoming reception days."""
    region = region_by_id(request.GET.get("region"))
    query = (request.GET.get("q") or "").strip()[:50]
    context = {
        "region": region,
        "breadcrumbs": region_lineage(region),
        "children": selectors.region_children(region),
        "query": query,
        "search_results": selectors.region_search(query),
        "receptions": selectors.upcoming_receptions(region=region),
        "counts": selectors.region_counts(region) if region else None,
    }
    return render(request, "portal/home.html", context)
