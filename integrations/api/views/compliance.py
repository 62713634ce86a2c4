"""Compliance figures and attestation records, read-only."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from attestations.models import Attestation
from compliance.selectors import by_department, by_platform, customer_data_coverage, people_coverage, summary
from integrations.api import examples
from integrations.api import serializers as s
from integrations.api.filtersets import AttestationFilterSet
from integrations.api.pagination import IdCursorPagination
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import ERRORS, REFUSED, compliance_filters, scopes_note
from integrations.models import Scope


@extend_schema(
    summary="Compliance figures with the dashboard's filters",
    description="Scope `compliance:read`. Signed-in: compliance officers. Figures over open obligations, "
    "computed by the same functions as the dashboard and the reports. An id that names no department, "
    "platform or policy version is refused with 422 (unknown-reference).",
    tags=["compliance"],
    parameters=[s.ComplianceQuerySerializer],
    responses={200: s.ComplianceSummarySerializer, **REFUSED, **ERRORS},
    examples=[examples.SUMMARY],
)
class ComplianceSummaryView(DocumentedQueryOnly, APIView):
    read_scope = Scope.COMPLIANCE_READ
    write_scope = None
    query_params = {"get": tuple(s.ComplianceQuerySerializer().fields)}

    def get(self, request):
        s.ComplianceQuerySerializer(data=request.query_params.dict()).is_valid(raise_exception=True)
        filters = compliance_filters(request.query_params)
        today = timezone.localdate()

        def with_extra(figures):
            return {**figures.extra, **figures.as_dict()}

        return Response(
            {
                "filters": filters.as_params(),
                "summary": summary(filters, today=today).as_dict(),
                "by_department": [with_extra(f) for f in by_department(filters, today=today)],
                "by_platform": [with_extra(f) for f in by_platform(filters, today=today)],
                "customer_data_coverage": customer_data_coverage(filters, today=today),
                "people_coverage": people_coverage(filters, today=today),
            }
        )


# --- Attestations -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List attestations (the ledger)",
        description=scopes_note("attestations:read", people="Signed-in: compliance officers.")
        + " Cursor-paginated, oldest first.",
        tags=["attestations"],
        responses={200: s.AttestationSerializer(many=True), **ERRORS},
    )
)
class AttestationViewSet(DocumentedQueryOnly, mixins.ListModelMixin, viewsets.GenericViewSet):
    pagination_class = IdCursorPagination
    read_scope = Scope.ATTESTATIONS_READ
    write_scope = None
    serializer_class = s.AttestationSerializer
    filterset_class = AttestationFilterSet
    queryset = Attestation.objects.select_related("employee", "platform").order_by("id")
