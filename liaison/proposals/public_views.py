"""The portal's pages of published suggestions (003 §84): the list with search and pages, and one
suggestion with its reply. Phone-first, readable without log-in, and without personal data of
citizens (liaison.proposals.disclosure decides what is shown)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from liaison.core.exceptions import NotFound
from liaison.regions.models import Congress

from . import disclosure

PAGE_SIZE = 20


@require_GET
def published_list(request):
    query = (request.GET.get("q") or "").strip()[:50]
    raw = request.GET.get("congress", "")
    congress = Congress.objects.filter(pk=raw).only("pk", "name").first() if raw.isdigit() else None
    rows = disclosure.published_list(q=query, congress_id=congress.pk if congress else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in (("congress", congress.pk if congress else ""), ("q", query)) if v}
    context = {
        "page": page,
        "items": [disclosure.public_view(s) for s in page.object_list],
        "query": query,
        "congress": congress,
        "params": params,
    }
    return render(request, "proposals/public/list.html", context)


@require_GET
def published_detail(request, pk):
    try:
        suggestion = disclosure.published_get(pk)
    except NotFound:
        raise Http404 from None
    return render(request, "proposals/public/detail.html", {"item": disclosure.public_view(suggestion)})
