"""Log-in, log-out, the password change and the second factor: pages every user sees."""

import time
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError

from . import services
from .forms import LoginForm, PasswordChangeForm, TokenForm
from .middleware import SESSION_ENDED_NOTICE, SESSION_SEEN, SESSION_STARTED
from .passwords import ProfilePasswordValidator
from .security import password_change_required, request_settings, second_factor_required


def _next_url(request, default="/work/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@never_cache
@csrf_protect
def login_view(request):
    if request.session.pop(SESSION_ENDED_NOTICE, False):
        messages.info(request, _("Your session has ended. Please log in again."))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)  # a new session key: a planted session id is worth nothing
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
        # The cookie lives as long as the absolute timeout of the live settings (the middleware ends
        # the session on the server side as well).
        request.session.set_expiry(request_settings(request).absolute_hours * 3600)
        if second_factor_required(form.user):
            # Straight to the code, wherever the user was going (also a public page: the log-in is
            # not complete before the code, whether the roles ask for it or the user enrolled a device).
            return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': _next_url(request)})}")
        return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.logout_record(user=request.user)
    logout(request)
    return redirect("portal:home")


@never_cache
@login_required
def password_change_view(request):
    cfg = request_settings(request)
    form = PasswordChangeForm(request.POST or None, help_text=ProfilePasswordValidator().get_help_text())
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            update_session_auth_hash(request, user)  # stays logged in here, with a new session key
            messages.success(request, _("Your password has been changed."))
            return redirect(_next_url(request))
    reason = None
    if request.user.must_change_password:
        reason = _("Your password was set by an administrator. Choose your own password to continue.")
    elif password_change_required(request.user, cfg):
        reason = _("Your password is older than %(days)d days. Choose a new one to continue.") % {
            "days": cfg.max_age_days
        }
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": _next_url(request), "reason": reason},
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def otp_setup_view(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code.
    Replacing an existing device needs a session already verified with it."""
    if user_has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': _next_url(request)})}")
    device = services.otp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_device_confirm(user=request.user, device=device, token=form.cleaned_data["token"])
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            django_otp.login(request, device)
            messages.success(request, _("The second factor is set up."))
            return redirect(_next_url(request))
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            # The SVG is drawn by qrcode: paths only, no text from the user.
            "qr_svg": mark_safe(_qr_svg(device.config_url)),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@never_cache
@login_required
def otp_verify_view(request):
    """The second step of the log-in: a code from the enrolled app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        allowed = [d for d in devices if d.verify_is_allowed()[0]]
        verified = next((d for d in allowed if d.verify_token(token)), None)
        if verified is not None:
            django_otp.login(request, verified)
            return redirect(_next_url(request))
        services.otp_failure_record(user=request.user)
        if not allowed:
            form.add_error("token", _("Too many wrong codes. Wait a little and try again."))
        else:
            form.add_error("token", _("The code is wrong or has expired. Enter the current code from the app."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})
