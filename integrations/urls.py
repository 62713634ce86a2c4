"""Governance admins: API keys and webhooks for HR systems."""

from django.urls import path

from integrations import views as integrations

app_name = "integrations"

urlpatterns = [
    path("integrations/keys/", integrations.ApiKeyListView.as_view(), name="api-keys"),
    path("integrations/keys/<int:pk>/revoke/", integrations.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path("integrations/webhooks/", integrations.WebhookListView.as_view(), name="webhooks"),
    path("integrations/webhooks/<int:pk>/toggle/", integrations.WebhookToggleView.as_view(), name="webhook-toggle"),
]
