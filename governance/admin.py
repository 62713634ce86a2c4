from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from governance.models import AuditEvent, OutboxMessage, User


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete from the admin (audit trail, ledger)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "object_type", "object_id", "actor"]
    list_filter = ["action", "object_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """The work handed to the workers, and what became of it (the sweep retries; nobody edits it)."""

    list_display = ["task", "state", "created_at", "runs", "done_at", "last_error"]
    list_filter = ["task", ("done_at", admin.EmptyFieldListFilter), ("given_up_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "created_at"
    fields = [
        "task",
        "args",
        "kwargs",
        "created_at",
        "available_at",
        "handed_over_at",
        "hand_overs",
        "started_at",
        "runs",
        "done_at",
        "given_up_at",
        "last_error",
    ]
