"""Django admin for administrators: read-mostly. Stations, evidence and the roster change through the
workspace (services with validation and audit), never here; only the wording of the standard's
items may be edited."""

from django.contrib import admin

from .models import DutyAssignment, DutySlot, StandardEvidence, StandardItem, Station, StationDeputy


class SiteViewMixin:
    """Whoever the admin site admits (the system administrator, liaison.core.admin) may look; the
    platform grants no Django model permissions, its rights come from roles."""

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)


class ReadOnlyAdmin(SiteViewMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StationDeputyInline(SiteViewMixin, admin.TabularInline):
    model = StationDeputy
    extra = 0
    fields = ("person", "since")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Station)
class StationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "region", "address", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address")
    list_select_related = ("region",)
    inlines = [StationDeputyInline]


@admin.register(StandardItem)
class StandardItemAdmin(SiteViewMixin, admin.ModelAdmin):
    list_display = ("order", "code", "title", "description")
    list_display_links = ("title",)
    readonly_fields = ("code",)
    ordering = ("order",)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StandardEvidence)
class StandardEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("station", "item", "original_name", "content_type", "size", "uploaded_by", "created_at")
    list_filter = ("item", "content_type")
    search_fields = ("station__name", "original_name")
    list_select_related = ("station", "item", "uploaded_by")
    exclude = ("file",)  # files are served only by the workspace view that checks the user's scope


class DutyAssignmentInline(SiteViewMixin, admin.TabularInline):
    model = DutyAssignment
    extra = 0
    fields = ("person", "date", "start_time", "end_time")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DutySlot)
class DutySlotAdmin(ReadOnlyAdmin):
    list_display = ("station", "date", "start_time", "end_time", "topic", "published_at")
    list_filter = ("date",)
    search_fields = ("station__name", "topic")
    date_hierarchy = "date"
    list_select_related = ("station",)
    inlines = [DutyAssignmentInline]
