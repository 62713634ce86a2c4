from django.contrib import admin, messages
from django.db import transaction

from people.models import Department, Employee
from people.services import accounts


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
