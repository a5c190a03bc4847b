"""Session timeouts (idle and absolute) and the second-factor gate for staff."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .security import current_settings, second_factor_required

SESSION_STARTED = "liaison_started"
SESSION_SEEN = "liaison_seen"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            cfg = current_settings()
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            if now - seen > cfg.idle_minutes * 60 or now - started > cfg.absolute_hours * 3600:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session.setdefault(SESSION_STARTED, started)
            # Write the activity time at most once a minute, not on every request.
            if now - seen >= 60 or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Staff whose roles need a second factor see nothing of the workspace before they pass it."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and (request.path.startswith("/work/") or request.path.startswith("/admin/"))
            and second_factor_required(user)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.path}")
        return self.get_response(request)
