"""Deputies' records in the Django admin (system administrator): read-mostly. Persons, mandates, their
status, groups and households are changed in the workspace (/work/deputies/) through the services,
which check the rules (duplicates, elections, overlaps), keep the status history and write the audit
trail; here they are read-only. Only the name of an electoral district or a delegation may be
corrected (the admin site audits that save, see liaison.core.admin)."""

from django.contrib import admin

from .models import (
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    GroupMembership,
    Household,
    HouseholdLink,
    Mandate,
    MandateStatusChange,
    Person,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MandateInline(ReadOnlyInline):
    model = Mandate
    fields = ("congress", "term", "election", "status", "start_date", "end_date")
    readonly_fields = fields
    show_change_link = True


class StatusChangeInline(ReadOnlyInline):
    model = MandateStatusChange
    fields = ("status", "date", "reason", "recorded_by", "recorded_at")
    readonly_fields = fields


class MembershipInline(ReadOnlyInline):
    model = GroupMembership
    fields = ("mandate", "position")
    readonly_fields = fields


class HouseholdLinkInline(ReadOnlyInline):
    model = HouseholdLink
    fields = ("person", "since")
    readonly_fields = fields


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "name_pinyin", "gender", "birth_year", "party", "region")
    list_filter = ("gender",)
    search_fields = ("name", "name_pinyin", "name_initials")
    list_select_related = ("region",)
    inlines = [MandateInline]


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    list_display = ("person_name", "congress", "term", "election", "status", "start_date", "end_date")
    list_filter = ("status", "level", "election")
    search_fields = ("person_name", "name_pinyin", "name_initials")
    list_select_related = ("congress", "term__congress")
    raw_id_fields = ("person",)
    inlines = [StatusChangeInline]


@admin.register(MandateStatusChange)
class MandateStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("mandate", "status", "date", "recorded_by", "recorded_at")
    list_filter = ("status",)
    list_select_related = ("mandate__congress", "recorded_by")


class RenameOnlyAdmin(admin.ModelAdmin):
    """Only the name may be corrected; nothing is added or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ElectoralDistrict)
class ElectoralDistrictAdmin(RenameOnlyAdmin):
    list_display = ("name", "congress", "region")
    search_fields = ("name",)
    list_select_related = ("congress", "region")
    fields = ("name", "congress", "region")
    readonly_fields = ("congress", "region")


@admin.register(Delegation)
class DelegationAdmin(RenameOnlyAdmin):
    list_display = ("name", "congress")
    search_fields = ("name",)
    list_select_related = ("congress",)
    fields = ("name", "congress")
    readonly_fields = ("congress",)


@admin.register(DeputyGroup)
class DeputyGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "region", "station")
    search_fields = ("name",)
    list_select_related = ("region", "station")
    inlines = [MembershipInline]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("region",)
    exclude = ("phone", "address")  # a citizen's contact data stays out of the admin
    inlines = [HouseholdLinkInline]
