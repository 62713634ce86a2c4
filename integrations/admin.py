from django.contrib import admin

from governance.admin import ReadOnlyAdmin
from integrations.models import ApiKey, ScimGroup, ScimUser, WebhookDelivery, WebhookEndpoint


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


@admin.register(ScimGroup)
class ScimGroupAdmin(ReadOnlyAdmin):
    """Groups are the identity provider's: change them there (the next SCIM update would undo an edit here)."""

    list_display = ["display_name", "external_id", "updated_at"]
    search_fields = ["display_name", "external_id"]
    filter_horizontal = ["members"]


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyAdmin):
    list_display = ["user_name", "employee", "external_id", "manager_ref", "deleted_at"]
    search_fields = ["user_name", "external_id", "employee__email"]
    list_filter = ["deleted_at"]
