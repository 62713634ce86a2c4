"""Compliance reports: start one (a job), follow it, download its files."""

from django.db import transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance.models import ComplianceReport
from governance import csv as csv_export
from governance.roles import is_compliance_officer
from integrations.api import examples
from integrations.api import serializers as s
from integrations.api.exceptions import ProblemError
from integrations.api.pagination import IdCursorPagination
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import (
    ERRORS,
    ERRORS_WITH_404,
    REFUSED,
    actor_of,
    compliance_filters,
    problems,
    scopes_note,
)
from integrations.models import Scope


@extend_schema_view(
    list=extend_schema(
        summary="List compliance reports",
        description=scopes_note("reports:read", people="Signed-in: compliance officers."),
        tags=["reports"],
        responses={200: s.ReportSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="A report's status and progress",
        description=scopes_note("reports:read", people="Signed-in: compliance officers."),
        tags=["reports"],
        responses={200: s.ReportSerializer, **ERRORS_WITH_404},
        examples=[examples.REPORT_OUT],
    ),
    create=extend_schema(
        summary="Request a compliance report",
        description="Scope `reports:write`. Signed-in: compliance officers. Returns 202 at once with the "
        "report's URL (Location header and `url`), which shows its status and progress. A filter id that "
        "names no record is refused with 422 (unknown-reference).",
        tags=["reports"],
        request=s.ReportCreateSerializer,
        responses={202: s.ReportSerializer, **problems(415), **REFUSED, **problems(503), **ERRORS},
        examples=[examples.REPORT_IN, examples.REPORT_OUT],
    ),
)
class ReportViewSet(
    DocumentedQueryOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    pagination_class = IdCursorPagination
    read_scope = Scope.REPORTS_READ
    write_scope = Scope.REPORTS_WRITE
    serializer_class = s.ReportSerializer
    queryset = ComplianceReport.objects.select_related("job").order_by("id")
    query_params = {"download": ("format",)}

    def person_permission(self, request):
        return is_compliance_officer(request.user)

    def create(self, request, *args, **kwargs):
        serializer = s.ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filters = dict(serializer.validated_data.get("filters", {}))
        compliance_filters(filters)  # refuses unknown ids before anything is queued
        try:
            from compliance.services.reports import request_report
        except ImportError:
            raise ProblemError(503, "Report generation is not available on this server.") from None
        user, label = actor_of(request)
        with transaction.atomic():
            report = request_report(
                requested_by=user,
                requested_by_label=label,
                trigger=ComplianceReport.Trigger.API if user is None else ComplianceReport.Trigger.MANUAL,
                filters=filters,
            )
        data = s.ReportSerializer(report, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(
        summary="Download a finished report",
        description="Scope `reports:read`. Signed-in: compliance officers. `format` is csv (default) or pdf; "
        "409 while the report is not done.",
        tags=["reports"],
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "pdf"])],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **problems(409),
            **ERRORS_WITH_404,
        },
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None):
        report = self.get_object()
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "pdf"):
            raise ProblemError(
                400, "format must be csv or pdf.", errors={"format": ["csv or pdf."]}, type_slug="validation-error"
            )
        file = getattr(report, f"{kind}_file")
        if report.status != ComplianceReport.Status.DONE or not file:
            raise ProblemError(409, f"The report is {report.status}; download it when it is done.")
        content_type = csv_export.CONTENT_TYPE if kind == "csv" else "application/pdf"
        return FileResponse(
            file.open("rb"),
            as_attachment=True,
            filename=f"compliance-report-{report.pk}.{kind}",
            content_type=content_type,
        )

    def perform_content_negotiation(self, request, force=False):
        # ``format`` names the file to download here, not a renderer.
        return super().perform_content_negotiation(request, force=True)
