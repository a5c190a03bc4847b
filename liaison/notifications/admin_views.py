"""The system administrator's outbox (`/work/admin/outbox/`): every message on every channel with its
delivery state and log, filtered by status, channel and kind; a failed or given-up SMS or e-mail can
be sent again (audited). Same shape as liaison.accounts.admin_views."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.accounts.admin_views import _get, _page, _query_without_page, perm_required
from liaison.core.exceptions import ApplicationError

from . import selectors, services
from .forms import OutboxFilterForm, RetryForm


@perm_required("notifications.manage_outbox")
def outbox_list(request):
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.outbox_list(
        status=filters.get("status", ""), channel=filters.get("channel", ""), kind=filters.get("kind", "")
    )
    return render(
        request,
        "notifications/admin/outbox_list.html",
        {"form": form, "page": _page(request, rows), "query": _query_without_page(request)},
    )


@perm_required("notifications.manage_outbox")
def outbox_detail(request, pk):
    row = _get(selectors.outbox_get, pk=pk)
    return render(request, "notifications/admin/outbox_detail.html", {"n": row})


@require_POST
@perm_required("notifications.manage_outbox")
def outbox_retry(request, pk):
    row = _get(selectors.outbox_get, pk=pk)
    form = RetryForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.notification_retry(actor=request.user, notification=row, reason=reason)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The message will be sent again."))
    if request.POST.get("back") == "list":
        query = request.POST.get("query", "")
        return redirect(reverse("outbox:list") + (f"?{query}" if query else ""))
    return redirect("outbox:detail", pk=row.pk)
