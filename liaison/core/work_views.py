from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.accounts.scope import scope_for


@login_required
def home(request):
    """The workspace's front page: what this user's roles let them do, in their scope."""
    from liaison.opinions import rules as opinion_rules
    from liaison.opinions.selectors import queue_counts

    context = {"scope": scope_for(request.user)}
    if opinion_rules.can(request.user, "triage"):
        context["opinion_counts"] = queue_counts(user=request.user)
    return render(request, "core/work_home.html", context)
