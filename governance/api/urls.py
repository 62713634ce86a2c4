from django.urls import include, path

urlpatterns = [
    path("", include("platforms.api.urls")),
    path("", include("policies.api.urls")),
]
