from django.contrib import admin

from governance.admin import ReadOnlyAdmin
from integrations.models import ApiKey, WebhookDelivery, WebhookEndpoint


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
