"""Django admin for policies: read-mostly. Drafting, editing and publishing go through the
policy editor (/policies/), whose services validate, audit and materialize obligations."""

from django.contrib import admin

from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = PolicyVersion
    fields = ["number", "title", "status", "effective_on", "published_at", "retired_at"]
    readonly_fields = fields


class RuleInline(ReadOnlyInline):
    model = ToolRule
    fields = ["platform", "stance", "countries", "customer_data_handlers_only", "no_settings_needed", "fingerprint"]
    readonly_fields = fields


class RequiredSettingInline(ReadOnlyInline):
    model = RequiredSetting
    fields = ["setting", "required_value"]
    readonly_fields = fields


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VersionInline]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["policy", "number", "title", "status", "effective_on", "published_at"]
    list_filter = ["status", "policy"]
    list_select_related = ["policy"]
    search_fields = ["title", "policy__name"]
    inlines = [RuleInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ToolRule)
class ToolRuleAdmin(admin.ModelAdmin):
    list_display = ["platform", "version", "stance", "customer_data_handlers_only", "no_settings_needed"]
    list_filter = ["stance", "version__status"]
    list_select_related = ["platform", "version__policy"]
    search_fields = ["platform__name"]
    inlines = [RequiredSettingInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
