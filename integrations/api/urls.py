from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from integrations.api import views
from integrations.api.exceptions import api_not_found
from integrations.api.views.usage import UsageView

router = SimpleRouter(trailing_slash=True)
router.register("employees", views.EmployeeViewSet, basename="api-employee")
router.register("departments", views.DepartmentViewSet, basename="api-department")
router.register("attestations", views.AttestationViewSet, basename="api-attestation")
router.register("reports", views.ReportViewSet, basename="api-report")
router.register("webhooks", views.WebhookEndpointViewSet, basename="api-webhook")

urlpatterns = [
    path("", include("integrations.api.catalog.urls")),
    path("", include("integrations.api.policies.urls")),
    path("compliance/summary/", views.ComplianceSummaryView.as_view(), name="api-compliance-summary"),
    path("jobs/<int:pk>/", views.JobView.as_view(), name="api-job-detail"),
    path("usage/", UsageView.as_view(), name="api-usage"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404, not the HTML error page.
    re_path(r"^.*$", api_not_found),
]
