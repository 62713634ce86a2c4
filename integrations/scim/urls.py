"""SCIM 2.0 for identity providers (mounted at /scim/v2/)."""

from django.urls import path, re_path

from integrations.scim import views

urlpatterns = [
    path("Users", views.users, name="scim-users"),
    path("Users/", views.users),
    path("Users/<str:pk>", views.user, name="scim-user"),
    path("Groups", views.groups, name="scim-groups"),
    path("Groups/", views.groups),
    path("Groups/<str:pk>", views.group, name="scim-group"),
    path(".search", views.search, name="scim-search"),
    path("ServiceProviderConfig", views.service_provider_config, name="scim-service-provider-config"),
    path("Schemas", views.schema_list, name="scim-schemas"),
    path("Schemas/<str:schema_id>", views.schema_list, name="scim-schema"),
    path("ResourceTypes", views.resource_type_list, name="scim-resource-types"),
    path("ResourceTypes/<str:type_id>", views.resource_type_list, name="scim-resource-type"),
    re_path(r"^.*$", views.not_found),
]
