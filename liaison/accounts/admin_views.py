"""The three administrators' pages under /work/admin/ (三员分立):

- the system administrator manages accounts (users/…),
- the security administrator manages roles, lockouts, second factors and the security settings
  (roles/…, security/),
- the audit administrator reads the audit log (audit/…).

Anonymous visitors are sent to the log-in page; a logged-in user without the role gets 403.
Every change goes through a service that writes the audit row."""

from functools import wraps

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core.errors import add_to_form
from liaison.core.exceptions import ApplicationError, NotFound

from . import selectors, services
from .forms import (
    AuditFilterForm,
    PasswordResetForm,
    ReasonForm,
    RoleGrantForm,
    SecuritySettingsForm,
    UnlockForm,
    UserCreateForm,
    UserSearchForm,
    UserUpdateForm,
    lookup_label,
)
from .models import Role, User
from .passwords import ProfilePasswordValidator
from .security import current_settings, locked_accounts

PAGE_SIZE = 50


def perm_required(perm: str):
    """@login_required, then the django-rules permission: 403 for a logged-in user without it."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not rules.has_perm(perm, request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _get(selector, **kwargs):
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404 from exc


def _page(request, queryset):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- System administrator: users ------------------------------------------------------------------
@perm_required("accounts.manage_users")
def user_list(request):
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.user_list(q=filters.get("q", ""), active=filters.get("active", "")))
    return render(
        request,
        "accounts/admin/user_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@perm_required("accounts.manage_users")
def user_create(request):
    form = UserCreateForm(request.POST or None, help_text=ProfilePasswordValidator().get_help_text())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                password=data["password"],
                phone=data["phone"],
                email=data["email"],
                must_change_password=True,
                reason=data["reason"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Account %(username)s created.") % {"username": user.username})
            return redirect("adminwork:user", pk=user.pk)
    return render(request, "accounts/admin/user_form.html", {"form": form})


@perm_required("accounts.manage_users")
def user_detail(request, pk):
    user = _get(selectors.user_get, pk=pk)
    initial = {"name": user.name, "phone": user.phone, "email": user.email}
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=user,
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                reason=data["reason"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("adminwork:user", pk=user.pk)
    return render(
        request,
        "accounts/admin/user_detail.html",
        {
            "account": user,
            "form": form,
            "roles": selectors.roles_of(user=user).filter(is_active=True),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@perm_required("accounts.manage_users")
def user_set_active(request, pk):
    user = _get(selectors.user_get, pk=pk)
    form = ReasonForm(request.POST)
    active = request.POST.get("active") == "1"
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.user_set_active(actor=request.user, user=user, active=active, reason=reason)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Account reactivated.") if active else _("Account deactivated."))
    return redirect("adminwork:user", pk=user.pk)


@perm_required("accounts.manage_users")
def user_password_reset(request, pk):
    user = _get(selectors.user_get, pk=pk)
    form = PasswordResetForm(request.POST or None)
    form.fields[
        "password"
    ].help_text = f"{ProfilePasswordValidator().get_help_text()} {form.fields['password'].help_text}"
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_reset(
                actor=request.user,
                user=user,
                password=form.cleaned_data["password"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The password has been reset; the person must change it at next log-in."))
            return redirect("adminwork:user", pk=user.pk)
    return render(request, "accounts/admin/password_reset.html", {"form": form, "account": user})


# --- Security administrator: roles, lockouts, second factors, settings -------------------------------
@perm_required("accounts.manage_roles")
def role_list(request):
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.user_list(q=filters.get("q", ""), active=filters.get("active", "")))
    return render(
        request,
        "accounts/admin/role_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "locked": locked_accounts(),
            "unlock_form": UnlockForm(),
        },
    )


@perm_required("accounts.manage_roles")
def role_user(request, pk):
    """One account's roles: grant with a scope, revoke, unlock, reset the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _get(selectors.user_get, pk=pk)
    form = RoleGrantForm(request.POST or None, lookup_url=reverse("adminwork:lookup"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_grant(
                actor=request.user,
                user=user,
                kind=data["kind"],
                region=data["region"],
                station=data["station"],
                unit=data["unit"],
                person=data["person"],
                reason=data["reason"],
            )
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Role granted."))
            return redirect("adminwork:role_user", pk=user.pk)
    return render(
        request,
        "accounts/admin/role_user.html",
        {
            "account": user,
            "form": form,
            "roles": selectors.roles_of(user=user),
            "reason_form": ReasonForm(),
            "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "scope_fields": {str(k): v or "" for k, v in Role.SCOPE_FIELD.items()},
        },
    )


@require_POST
@perm_required("accounts.manage_roles")
def role_revoke(request, pk):
    role = _get(selectors.role_get, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.role_revoke(actor=request.user, role=role, reason=reason)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Role revoked."))
    return redirect("adminwork:role_user", pk=role.user_id)


@require_POST
@perm_required("accounts.manage_roles")
def account_unlock(request):
    form = UnlockForm(request.POST)
    user = None
    if not form.is_valid():
        messages.error(request, _("Enter a user name."))
    else:
        user = User.objects.filter(username__iexact=form.cleaned_data["username"].strip()).first()
        if user is None:
            messages.error(request, _("There is no account with this user name."))
        else:
            count = services.account_unlock(actor=request.user, user=user, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                _("Account %(username)s unlocked (%(count)d failed log-ins cleared).")
                % {"username": user.username, "count": count},
            )
    if user is not None and request.POST.get("back") == "user":
        return redirect("adminwork:role_user", pk=user.pk)
    return redirect("adminwork:roles")


@require_POST
@perm_required("accounts.manage_roles")
def otp_reset(request, pk):
    user = _get(selectors.user_get, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.otp_reset(actor=request.user, user=user, reason=reason)
    messages.success(request, _("The second factor has been reset; the person sets it up again at next log-in."))
    return redirect("adminwork:role_user", pk=user.pk)


@perm_required("accounts.manage_roles")
def scope_lookup(request):
    """Options for a scope picker (htmx): at most 20 matches of the typed text."""
    from liaison.deputies.models import Person
    from liaison.regions.models import HandlingUnit, Region
    from liaison.stations.models import Station

    kind = request.GET.get("type", "")
    q = (request.GET.get("q") or "").strip()
    sources = {
        "region": (Region.objects.all(), Q(name__icontains=q) | Q(code__startswith=q)),
        "station": (Station.objects.select_related("region"), Q(name__icontains=q)),
        "unit": (HandlingUnit.objects.select_related("region"), Q(name__icontains=q)),
        "person": (
            Person.objects.all(),
            Q(name__icontains=q) | Q(name_initials__istartswith=q) | Q(name_pinyin__istartswith=q),
        ),
    }
    if kind not in sources:
        raise Http404
    queryset, condition = sources[kind]
    options = list(queryset.filter(condition)[:20]) if q else []
    html = format_html_join("", '<option value="{}">{}</option>', ((o.pk, lookup_label(o)) for o in options))
    empty = '<option value="">---------</option>'
    return HttpResponse(empty + html)


@perm_required("accounts.manage_security")
def security_settings(request):
    cfg = current_settings()
    form = SecuritySettingsForm(request.POST or None, instance=cfg)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in SecuritySettingsForm.Meta.fields}
        cfg.refresh_from_db()  # the form wrote into the instance; the service reads the row itself
        try:
            services.security_settings_update(actor=request.user, reason=form.cleaned_data["reason"], **values)
        except ApplicationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The security settings have been saved."))
            return redirect("adminwork:security")
    return render(request, "accounts/admin/security.html", {"form": form})


# --- Audit administrator: the audit log, read-only -----------------------------------------------------
@perm_required("core.view_audit")
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.audit_list(
        actor=filters.get("actor", ""),
        action=filters.get("action", ""),
        model=filters.get("model", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        q=filters.get("q", ""),
    )
    return render(
        request,
        "accounts/admin/audit_list.html",
        {
            "form": form,
            "page": _page(request, rows),
            "query": _query_without_page(request),
            "model_labels": selectors.audit_model_labels(),
        },
    )


@perm_required("core.view_audit")
def audit_detail(request, pk):
    row = _get(selectors.audit_get, pk=pk)
    before, after = row.before or {}, row.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    changes = [
        {"field": k, "before": before.get(k, ""), "after": after.get(k, ""), "changed": before.get(k) != after.get(k)}
        for k in keys
    ]
    return render(request, "accounts/admin/audit_detail.html", {"row": row, "changes": changes})
