from django.urls import path

from attestations.views import me

urlpatterns = [
    path("me/", me.my_tools, name="me"),
    path("me/confirm-record/", me.confirm_employee_record, name="me-confirm-record"),
    path("me/policy/<int:version_id>/acknowledge/", me.acknowledge, name="me-acknowledge"),
    path("me/tools/<int:pk>/", me.attest_tool, name="me-tool"),
    path("me/tools/<int:pk>/exception/", me.request_tool_exception, name="me-exception"),
    path("me/records/<int:pk>/", me.record, name="me-record"),
    path("me/history/", me.history, name="me-history"),
    path("me/evidence/<int:pk>/", me.evidence, name="me-evidence"),
]
