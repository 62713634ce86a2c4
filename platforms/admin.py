"""Django admin for the catalog. Saves go through platforms.services, so an edit here bumps
revisions, writes audit events and sends `setting_revised` exactly like the catalog pages.

A change to a setting's label, steps, values or safe value needs the same choice as on the
catalog's edit page ("Wording only: keep attestations" or "People must check again", neither
preselected), shown with how many attestations it would re-open. The platform page's inline
refuses such a change and sends the admin to the setting's own page, where the choice is.

Only governance admins may change anything (Django's admin also needs `is_staff`)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from governance.admin import ReadOnlyAdmin
from governance.roles import is_compliance_officer, is_governance_admin
from platforms import impact, services
from platforms.models import (
    MEANINGFUL_SETTING_FIELDS,
    SETTING_CONTENT_FIELDS,
    Platform,
    PlatformSetting,
    RevisionKind,
    SettingRevision,
)
from platforms.selectors import stale_q


class StaleFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return (("yes", "Stale"), ("no", "Fresh"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(stale_q())
        if self.value() == "no":
            return queryset.exclude(stale_q())
        return queryset


class CatalogAdminMixin:
    """Governance admins edit; officers may look; nobody deletes (attestations point here)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_view_permission(self, request, obj=None):
        return is_compliance_officer(request.user)

    def has_module_permission(self, request):
        return is_compliance_officer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_governance_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_governance_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="stale")
    def stale(self, obj):
        return obj.is_stale


class PlatformSettingAdminForm(forms.ModelForm):
    """Checks the same rules as the service, so a bad edit shows as a form error, not a crash."""

    deep_link = forms.URLField(required=False, assume_scheme="https")
    revision_kind = forms.ChoiceField(
        choices=RevisionKind.choices,
        widget=forms.RadioSelect,
        required=False,
        label="If you change the label, steps, values or safe value",
    )

    class Meta:
        model = PlatformSetting
        fields = ("platform", "key") + services.SETTING_EDITABLE_FIELDS

    asks_revision_kind = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.asks_revision_kind:
            del self.fields["revision_kind"]
        elif self.instance.pk:
            reopens = impact.revision_impact(self.instance)
            self.fields["revision_kind"].help_text = (
                f"Required with such a change. People must check again re-opens {reopens.obligations} "
                f"attestation(s) of {reopens.people} people ({reopens.compliant} compliant today); "
                "wording only keeps them and records a cosmetic revision."
            )

    def meaningful_changed(self):
        """Whether the edit changes the label, steps, values or safe value of a saved setting,
        compared with the stored row (not with the page's hidden initial values)."""
        return getattr(self, "_meaningful", False)

    def clean(self):
        data = super().clean()
        self._meaningful = bool(self.instance.pk) and bool(
            services.meaningful_changes(
                PlatformSetting.objects.get(pk=self.instance.pk),
                {name: data[name] for name in MEANINGFUL_SETTING_FIELDS if name in data},
            )
        )
        if self._meaningful:
            if not self.asks_revision_kind:
                raise ValidationError(
                    "Change the label, steps, values or safe value on the setting's own page: it asks whether "
                    "people who attested must check the setting again."
                )
            if not data.get("revision_kind"):
                self.add_error("revision_kind", services.REVISION_KIND_REQUIRED)
        try:
            services.validate_setting_values(
                values=data.get("values") or [],
                safe_value=data.get("safe_value") or "",
                protects=data.get("protects") or [],
                applies_to_tiers=data.get("applies_to_tiers") or [],
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data


def _changes(form, fields):
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


class PlatformSettingInlineForm(PlatformSettingAdminForm):
    """The platform page's inline has no revision choice, so it refuses changes of meaning."""

    asks_revision_kind = False


class PlatformSettingInline(CatalogAdminMixin, admin.StackedInline):
    model = PlatformSetting
    form = PlatformSettingInlineForm
    extra = 0
    show_change_link = True
    fields = ("key", *SETTING_CONTENT_FIELDS, "last_verified_on", "verified", "revision", "is_builtin")
    readonly_fields = ("revision", "is_builtin")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return is_governance_admin(request.user)


@admin.register(Platform)
class PlatformAdmin(CatalogAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "vendor",
        "category",
        "consumer_trains_by_default",
        "business_trains_by_default",
        "verified",
        "last_verified_on",
        "stale",
        "is_builtin",
    )
    list_filter = ("category", "verified", "is_builtin", "consumer_trains_by_default", "no_opt_out", StaleFilter)
    search_fields = ("name", "slug", "vendor", "description", "settings__label")
    readonly_fields = ("is_builtin", "created_at", "updated_at")
    inlines = [PlatformSettingInline]
    actions = ["mark_verified_today"]
    fieldsets = (
        (None, {"fields": ("slug", "name", "vendor", "category", "description", "website", "privacy_url")}),
        ("Training", {"fields": ("consumer_trains_by_default", "business_trains_by_default")}),
        (
            "Notes",
            {
                "fields": (
                    "retention_notes",
                    "regional_notes",
                    "no_opt_out",
                    "no_opt_out_outside",
                    "no_opt_out_note",
                )
            },
        ),
        (
            "Provenance",
            {
                "fields": (
                    "sources",
                    "sources_disagree",
                    "unsourced",
                    "last_verified_on",
                    "verified",
                    "is_builtin",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("slug",) if obj else ())

    def save_model(self, request, obj, form, change):
        if change:
            updated = services.update_platform(
                platform=obj, changes=_changes(form, services.PLATFORM_EDITABLE_FIELDS), actor=request.user
            )
        else:
            data = {name: form.cleaned_data.get(name) for name in ("slug",) + services.PLATFORM_EDITABLE_FIELDS}
            updated = services.create_platform(
                data={k: v for k, v in data.items() if v is not None}, actor=request.user
            )
        obj.pk = updated.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            setting = inline_form.instance
            if setting.pk:
                services.update_setting(
                    setting=setting,
                    changes=_changes(inline_form, services.SETTING_EDITABLE_FIELDS),
                    actor=request.user,
                )
            else:
                data = {
                    name: inline_form.cleaned_data.get(name)
                    for name in ("key",) + services.SETTING_EDITABLE_FIELDS
                    if inline_form.cleaned_data.get(name) is not None
                }
                services.create_setting(platform=form.instance, data=data, actor=request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description="Mark selected platforms verified today")
    def mark_verified_today(self, request, queryset):
        for platform in queryset:
            services.mark_verified(entry=platform, actor=request.user)
        self.message_user(request, f"{queryset.count()} platform(s) verified on {timezone.localdate()}.")


@admin.register(PlatformSetting)
class PlatformSettingAdmin(CatalogAdminMixin, admin.ModelAdmin):
    form = PlatformSettingAdminForm
    list_display = ("label", "platform", "key", "safe_value", "revision", "verified", "last_verified_on", "stale")
    list_filter = ("platform__category", "control_type", "verified", "is_builtin", StaleFilter)
    search_fields = ("label", "key", "platform__name", "platform__slug")
    list_select_related = ("platform",)
    readonly_fields = ("revision", "is_builtin", "created_at", "updated_at")
    autocomplete_fields = ("platform",)
    actions = ["mark_verified_today"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("platform", "key") if obj else ())

    def save_model(self, request, obj, form, change):
        if change:
            changes = _changes(form, services.SETTING_EDITABLE_FIELDS)
            updated = services.update_setting(
                setting=obj,
                changes=changes,
                actor=request.user,
                revision_kind=form.cleaned_data.get("revision_kind", "") if form.meaningful_changed() else "",
            )
            stale = services.steps_quoting_old_label(
                old_label=form.initial.get("label", ""), new_label=updated.label, steps=updated.navigation_steps
            )
            if "label" in changes and stale:
                self.message_user(
                    request,
                    f"Step(s) {', '.join(map(str, stale))} still quote the old label “{form.initial['label']}”.",
                    messages.WARNING,
                )
        else:
            data = {
                name: form.cleaned_data.get(name)
                for name in ("key",) + services.SETTING_EDITABLE_FIELDS
                if form.cleaned_data.get(name) is not None
            }
            updated = services.create_setting(platform=form.cleaned_data["platform"], data=data, actor=request.user)
        obj.pk = updated.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(description="Mark selected settings verified today")
    def mark_verified_today(self, request, queryset):
        for setting in queryset:
            services.mark_verified(entry=setting, actor=request.user)
        self.message_user(request, f"{queryset.count()} setting(s) verified on {timezone.localdate()}.")


@admin.register(SettingRevision)
class SettingRevisionAdmin(ReadOnlyAdmin):
    """The record of changes to what settings say: officers read it; nobody edits it."""

    list_display = ("setting", "revision", "kind", "reason", "created_at", "actor", "actor_label")
    list_filter = ("kind",)
    search_fields = ("old_label", "new_label", "reason", "setting__platform__name")
    list_select_related = ("setting__platform", "actor")

    def has_view_permission(self, request, obj=None):
        return is_compliance_officer(request.user)

    def has_module_permission(self, request):
        return is_compliance_officer(request.user)
