"""The Django admin at /admin/: a tool of the system administrator only.

- Access comes from the role, not from is_staff/is_superuser: `LiaisonAdminSite.has_permission`
  admits an active user holding the system administrator role (and nobody else, superuser or not);
  the second factor and the password change are enforced in front of /admin/ by
  `liaison.accounts.middleware.SecondFactorMiddleware`. The admin's own log-in form is not used: it
  would bypass the lockout, so it serves the platform's own log-in form.
- The audit log is never registered (only the audit administrator reads it, in the workspace).
- Every model registered by any app gets `GuardedAdminMixin`: its workflow state fields are read-only
  (a state changes only through its service, CONVENTIONS §4) and every save or delete from the admin
  writes an audit row in the same transaction.

The default site instance is given this class here, in the admin module that autodiscovery imports,
so that the apps registered after it (all of liaison.*) go through `register` below; the two registered
earlier (auth's Group, django_otp's devices) are removed: roles replace groups, and a second-factor
device must never be created or read by another person.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from .audit import audit_record, snapshot
from .models import AuditLog

# Fields that hold a workflow state, read-only in the admin whatever the model.
WORKFLOW_FIELD_NAMES = frozenset({"status", "state"})


class GuardedAdminMixin:
    """Read-only workflow state and an audit row for every admin save and delete."""

    workflow_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        names = {f.name for f in self.model._meta.get_fields()}
        for name in (*WORKFLOW_FIELD_NAMES, *self.workflow_fields):
            if name in names and name not in fields:
                fields.append(name)
        return fields

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = None
            if change and obj.pk is not None:
                old = type(obj)._default_manager.filter(pk=obj.pk).first()
                before = snapshot(old) if old is not None else None
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE,
                obj=obj,
                before=before,
                after=snapshot(obj),
                reason="admin",
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = snapshot(obj)
            pk, text = obj.pk, str(obj)
            super().delete_model(request, obj)
            audit_record(
                actor=request.user,
                action=AuditLog.Action.DELETE,
                model=obj._meta.label,
                object_id=pk,
                object_repr=text,
                before=before,
                reason="admin",
            )

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class LiaisonAdminSite(admin.AdminSite):
    # Titles are set in liaison/accounts/admin.py (translated in the accounts catalogue).

    def has_permission(self, request):
        from liaison.accounts.models import Role

        user = request.user
        return bool(user.is_active and user.is_authenticated and user.has_role(Role.Kind.SYSTEM_ADMIN))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect("admin:index")
            raise PermissionDenied
        # The platform's own log-in form (lockout, audit), served here so /admin/login/ works as a page.
        from liaison.accounts.views import login_view

        if not request.GET.get("next"):
            request.GET = request.GET.copy()
            request.GET["next"] = reverse("admin:index")
        return login_view(request)

    def password_change(self, request, extra_context=None):
        """The platform's own page: the profile's rules, the audit row, the forced-change flag."""
        return redirect("accounts:password_change")

    def logout(self, request, extra_context=None):
        from liaison.accounts.views import logout_view

        return logout_view(request)

    def admin_view(self, view, cacheable=False):
        """Anonymous → the platform's log-in page; logged in without the role → 403 (not the admin's
        own log-in form, which would bypass the lockout)."""
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if not self.has_permission(request):
                if request.user.is_authenticated:
                    raise PermissionDenied
                return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        if AuditLog in models:
            raise ImproperlyConfigured("The audit log is never editable in the Django admin.")
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, GuardedAdminMixin):
            base = type(base.__name__, (GuardedAdminMixin, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, base, **options)


def _install() -> None:
    site = admin.site
    site._registry  # noqa: B018 — evaluates the lazy default site
    site._wrapped.__class__ = LiaisonAdminSite
    # Roles replace groups; second-factor devices (otp_totp, otp_static, … when installed) are never
    # shown to another person.
    for model in list(site._registry):
        if model is Group or model._meta.app_label.startswith("otp_"):
            site.unregister(model)
    # Apps listed before liaison.core registered through the plain class: guard them too.
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, GuardedAdminMixin):
            site.unregister(model)
            site.register(model, type(model_admin))


_install()
