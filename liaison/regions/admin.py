"""Read-only admin pages for the region tree and its reference data. Changes go through the
workspace (/work/regions/), whose services validate (no cycles, dates in order) and write the audit
trail; the admin would bypass both."""

from django.contrib import admin

from .models import Congress, HandlingUnit, Organ, Region, Session, Term


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "level", "parent", "depth")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)


class TermInline(admin.TabularInline):
    model = Term
    extra = 0
    can_delete = False
    fields = ("number", "start_date", "end_date")
    readonly_fields = fields


@admin.register(Congress)
class CongressAdmin(ReadOnlyAdmin):
    list_display = ("name", "region", "level", "motion_threshold")
    list_filter = ("level",)
    search_fields = ("name", "region__name")
    list_select_related = ("region",)
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "number", "start_date", "end_date")
    list_select_related = ("congress",)
    search_fields = ("congress__name",)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "start_date", "end_date", "notice_date", "motion_deadline")
    list_select_related = ("term__congress",)
    search_fields = ("term__congress__name",)


@admin.register(Organ)
class OrganAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "congress", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "congress__name")
    list_select_related = ("congress", "parent")


@admin.register(HandlingUnit)
class HandlingUnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "level", "region", "parent", "is_active")
    list_filter = ("kind", "level", "is_active")
    search_fields = ("name", "region__name")
    list_select_related = ("region", "parent")
