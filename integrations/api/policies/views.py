from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from integrations.api.pagination import IdCursorPagination
from integrations.api.policies.serializers import PolicySerializer
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import ERRORS, ERRORS_WITH_404
from integrations.models import Scope
from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule

DESCRIPTION = (
    "Scope `compliance:read`. Signed-in: compliance officers. Published and retired versions with their "
    "rules; drafts are never shown."
)


@extend_schema_view(
    list=extend_schema(
        summary="List policies",
        description=DESCRIPTION,
        tags=["policies"],
        responses={200: PolicySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a policy",
        description=DESCRIPTION,
        tags=["policies"],
        responses={200: PolicySerializer, **ERRORS_WITH_404},
    ),
)
class PolicyViewSet(DocumentedQueryOnly, viewsets.ReadOnlyModelViewSet):
    """Read-only: policies change only through the policy editor."""

    pagination_class = IdCursorPagination
    read_scope = Scope.COMPLIANCE_READ
    write_scope = None
    serializer_class = PolicySerializer

    def get_queryset(self):
        rules = ToolRule.objects.select_related("platform").prefetch_related(
            "departments", Prefetch("required_settings", queryset=RequiredSetting.objects.select_related("setting"))
        )
        versions = (
            PolicyVersion.objects.exclude(status=PolicyVersion.Status.DRAFT)
            .order_by("-number")
            .prefetch_related(Prefetch("rules", queryset=rules))
        )
        return Policy.objects.prefetch_related(
            Prefetch("versions", queryset=versions, to_attr="public_versions")
        ).order_by("id")
