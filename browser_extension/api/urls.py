from django.urls import path

from browser_extension.api import views

app_name = "extension-api"

urlpatterns = [
    path("pair", views.PairView.as_view(), name="pair"),
    path("status", views.StatusView.as_view(), name="status"),
    path("signals", views.SignalsView.as_view(), name="signals"),
    path("observations", views.ObservationsView.as_view(), name="observations"),
]
