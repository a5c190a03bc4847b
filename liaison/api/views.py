from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound

from . import services
from .forms import TokenForm
from .models import ApiToken


def _workspace_user(request):
    if not request.user.has_perm("work.enter"):
        raise Http404


@login_required
def token_list(request):
    """A user's own API tokens: issue one (shown once), revoke one."""
    _workspace_user(request)
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.token_issue(actor=request.user, name=form.cleaned_data["name"])
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-is_active", "-created_at")
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk: int):
    _workspace_user(request)
    try:
        services.token_revoke(actor=request.user, token_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("The token is revoked."))
    return redirect("apitokens:list")
