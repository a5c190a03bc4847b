"""Accounts in the Django admin: read-only. Accounts are created, changed and deactivated in the
workspace (/work/admin/users/, system administrator), roles granted there by the security
administrator, the security settings edited there too — each through a service that audits it.
The admin only lets the system administrator look."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import LoginAttempt, Role, User

admin.site.site_header = _("Deputy liaison platform · system administration")
admin.site.site_title = _("System administration")
admin.site.index_title = _("Records")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    fields = ("kind", "region", "station", "unit", "person", "is_active", "granted_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "name", "is_active", "last_login", "password_changed_at")
    list_filter = ("is_active",)
    search_fields = ("username", "name", "phone")
    fields = (
        "username",
        "name",
        "phone",
        "email",
        "is_active",
        "last_login",
        "password_changed_at",
        "must_change_password",
        "date_joined",
    )
    inlines = [RoleInline]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "region", "station", "unit", "person", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("user__username", "user__name")
    list_select_related = ("user", "region", "station", "unit", "person")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "ip", "success", "cleared")
    list_filter = ("success",)
    search_fields = ("username", "ip")
    date_hierarchy = "at"
