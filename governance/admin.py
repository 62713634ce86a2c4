from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from governance.models import (
    ApiKey,
    Attestation,
    AuditEvent,
    ComplianceReport,
    Department,
    Employee,
    NotificationLog,
    Obligation,
    PolicyException,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from governance.services import accounts


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "external_id", "department", "country", "status", "user"]
    list_filter = ["status", "handles_customer_data", "country"]
    search_fields = ["full_name", "email", "external_id"]
    autocomplete_fields = ["department", "manager", "user"]
    list_select_related = ["department", "user"]
    actions = ["link_same_address_accounts"]

    @admin.action(description="Link to the plain account with the same e-mail address")
    def link_same_address_accounts(self, request, queryset):
        linked, skipped = accounts.link_same_address_accounts(
            employees=queryset.filter(user__isnull=True), actor=request.user
        )
        self.message_user(request, f"Linked {len(linked)} employee record(s) to their account.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Not linked: {', '.join(e.email for e in skipped)}. These accounts have officer, admin or staff "
                "rights or are disabled; the person confirms the record after signing in.",
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change):
        """Terminating a record here ends its account's access, as the HR paths do."""
        was_active = change and Employee.objects.filter(pk=obj.pk).exclude(status=Employee.Status.TERMINATED).exists()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if was_active and not obj.is_active and obj.user_id:
                accounts.deprovision_accounts(user_ids=[obj.user_id], actor=request.user, reason="employee terminated")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete from the admin (audit trail, ledger)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "employee", "platform", "compliant", "created_at", "hash"]
    list_filter = ["kind", "compliant"]
    search_fields = ["hash", "employee__email"]
    list_select_related = ["employee", "platform"]
    readonly_fields = [f.name for f in Attestation._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "object_type", "object_id", "actor"]
    list_filter = ["action", "object_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["employee", "platform", "policy_version", "status", "due_on", "valid_until", "closed_at"]
    list_filter = ["status", "close_reason"]
    search_fields = ["employee__email", "employee__external_id"]
    list_select_related = ["employee", "platform", "policy_version__policy"]
    raw_id_fields = ["employee", "rule", "satisfied_by"]


@admin.register(PolicyException)
class PolicyExceptionAdmin(ReadOnlyAdmin):
    list_display = ["employee", "rule", "status", "requested_at", "expires_on", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["employee", "rule__platform"]


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = ["day", "kind", "recipient", "state", "attempts", "sent_at"]
    list_filter = ["kind", "state", "day"]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]


@admin.register(ComplianceReport)
class ComplianceReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "trigger", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "trigger"]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "active"]
    list_filter = ["active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event_type", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
