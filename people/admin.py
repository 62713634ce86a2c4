from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from governance import jobs
from people.models import Department, Employee
from people.services import accounts, paths


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        """A new parent moves the department's sub-departments with it (their paths)."""
        with transaction.atomic():
            old_path = Department.objects.filter(pk=obj.pk).values_list("path", flat=True).first() if change else None
            super().save_model(request, obj, form, change)
            if old_path is not None and "parent" in form.changed_data:
                obj.path = old_path  # save() gave the department its new path; its subtree follows here
                paths.move_department(department=obj, parent=obj.parent, actor=request.user)


class EmployeeAdminForm(forms.ModelForm):
    """Refuses a manager that would close a cycle in the reporting line, as HR writes do."""

    def clean_manager(self):
        manager = self.cleaned_data.get("manager")
        employee = self.instance
        if manager is not None and employee.pk is not None and paths.would_manage_itself(employee, manager):
            raise forms.ValidationError("This would make the employee their own (indirect) manager.")
        return manager


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "external_id", "department", "country", "status", "user"]
    list_filter = ["status", "handles_customer_data", "country"]
    search_fields = ["full_name", "email", "external_id"]
    autocomplete_fields = ["department", "manager", "user"]
    list_select_related = ["department", "user"]
    actions = ["link_same_address_accounts"]
    form = EmployeeAdminForm

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
        """Terminating a record here ends its account's access, as the HR paths do; a new
        manager moves the reporting line (people.services.paths.set_manager: its reports follow,
        in a job when they are many, which the answer then shows)."""
        was_active = change and Employee.objects.filter(pk=obj.pk).exclude(status=Employee.Status.TERMINATED).exists()
        with transaction.atomic(), jobs.collect_started() as started:
            super().save_model(request, obj, form, change)
            if "manager" in form.changed_data:
                paths.set_manager(employee=obj, manager=obj.manager, actor=request.user)
            if was_active and not obj.is_active and obj.user_id:
                accounts.deprovision_accounts(user_ids=[obj.user_id], actor=request.user, reason="employee terminated")
        for job in started:
            request.reporting_line_job = job
            self.message_user(
                request,
                format_html(
                    '{} reports follow the new manager in a job: <a href="{}">watch its progress</a>.',
                    job.params.get("reports", ""),
                    reverse("job", args=[job.pk]),
                ),
                messages.INFO,
            )

    def _to_job(self, request, response):
        job = getattr(request, "reporting_line_job", None)
        return HttpResponseRedirect(reverse("job", args=[job.pk])) if job is not None else response

    def response_change(self, request, obj):
        return self._to_job(request, super().response_change(request, obj))

    def response_add(self, request, obj, post_url_continue=None):
        return self._to_job(request, super().response_add(request, obj, post_url_continue))
