from django.urls import path

from compliance.views import reports

app_name = "reports"

urlpatterns = [
    path("reports/", reports.report_list, name="list"),
    path("reports/<int:pk>/", reports.report_detail, name="detail"),
    path("reports/<int:pk>/download/<str:kind>/", reports.report_download, name="download"),
    path("reports/evidence/", reports.evidence_start, name="evidence"),
    path("reports/evidence/<int:pk>/download/", reports.evidence_download, name="evidence-download"),
]
