"""Mounted under /policies/ beside the policy editor: publishing, retiring, the exception queue."""

from django.urls import path

from attestations.views import exceptions, publishing

app_name = "attestations"

urlpatterns = [
    path("versions/<int:pk>/preview/", publishing.version_preview, name="version-preview"),
    path("versions/<int:pk>/publish/", publishing.version_publish, name="version-publish"),
    path("versions/<int:pk>/retire/", publishing.version_retire, name="version-retire"),
    path("exceptions/", exceptions.exception_list, name="exceptions"),
    path("exceptions/<int:pk>/", exceptions.exception_decide, name="exception-decide"),
]
