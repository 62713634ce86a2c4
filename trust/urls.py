"""The public trust page (anyone, when a governance admin has switched it on) and its setting."""

from django.urls import path

from trust import views

app_name = "trust"

urlpatterns = [
    path("trust/", views.trust_page, name="page"),
    path("trust.json", views.trust_json, name="json"),
    path("trust/statement.jws", views.trust_statement, name="statement"),
    path("trust/settings/", views.TrustSettingsView.as_view(), name="settings"),
]
