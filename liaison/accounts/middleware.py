"""Session timeouts (idle and absolute) and the gate in front of the workspace and the admin site:
second factor first, then a required password change."""

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .security import password_change_required, request_settings, second_factor_required

SESSION_STARTED = "liaison_started"
SESSION_SEEN = "liaison_seen"
# Set in the fresh session after a timeout, so the log-in page can say why the user is there (the
# messages framework runs after this middleware, so it cannot be used here).
SESSION_ENDED_NOTICE = "liaison_session_ended"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            cfg = request_settings(request)
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            if now - seen > cfg.idle_minutes * 60 or now - started > cfg.absolute_hours * 3600:
                logout(request)
                request.session[SESSION_ENDED_NOTICE] = True
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            request.session.setdefault(SESSION_STARTED, started)
            # Write the activity time at most once a minute, not on every request.
            if now - seen >= 60 or SESSION_SEEN not in request.session:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Users who must give a second factor (their roles need it, or they enrolled a device of their
    own accord: security.second_factor_required) see nothing of the workspace or the admin site before
    they pass it; then anyone whose password must change (set by an administrator, or expired under
    the MLPS level 3 profile) is sent to the change page."""

    GATED_PREFIXES = ("/work/", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.path.startswith(self.GATED_PREFIXES):
            target = None
            if second_factor_required(user) and not user.is_verified():
                target = "accounts:otp"
            elif password_change_required(user, request_settings(request)):
                target = "accounts:password_change"
            if target:
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
