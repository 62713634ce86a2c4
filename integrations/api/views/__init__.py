"""API views: thin. Parse, check, call a service or selector, serialize.

Each view names the scope a key needs (``read_scope`` / ``write_scope`` / ``scopes_by_action``);
signed-in people are checked by role in integrations.api.permissions. One module per resource.
"""

from integrations.api.views.compliance import AttestationViewSet, ComplianceSummaryView
from integrations.api.views.jobs import JobView
from integrations.api.views.people import DepartmentViewSet, EmployeeViewSet
from integrations.api.views.reports import ReportViewSet
from integrations.api.views.webhooks import WebhookEndpointViewSet

__all__ = [
    "AttestationViewSet",
    "ComplianceSummaryView",
    "DepartmentViewSet",
    "EmployeeViewSet",
    "JobView",
    "ReportViewSet",
    "WebhookEndpointViewSet",
]
