from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.accounts.scope import scope_for


@login_required
def home(request):
    """The workspace's front page: what this user's roles let them do, in their scope."""
    return render(request, "core/work_home.html", {"scope": scope_for(request.user)})
