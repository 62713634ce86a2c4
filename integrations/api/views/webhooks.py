"""Webhook endpoints: register, change, delete, and redeliver their deliveries."""

import secrets

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.roles import is_governance_admin
from integrations.api import examples
from integrations.api import serializers as s
from integrations.api.pagination import IdCursorPagination
from integrations.api.permissions import is_key_request
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import ERRORS, ERRORS_WITH_404, REFUSED, problems
from integrations.models import Scope, WebhookDelivery, WebhookEndpoint
from integrations.webhooks import redeliver

TARGET_RULE = (
    "A URL of the documented form whose host is internal or resolves to an internal address (or, in "
    "production, one that is not https) is refused with 422 (problem type webhook-target-refused)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook endpoints",
        tags=["webhooks"],
        responses={200: s.WebhookEndpointSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a webhook endpoint",
        tags=["webhooks"],
        responses={200: s.WebhookEndpointSerializer, **ERRORS_WITH_404},
    ),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Scope `webhooks:write`. Signed-in: governance admins. The secret (generated when left "
        "out) is returned once; each delivery is signed with HMAC-SHA256 over `<timestamp>.<body>` in "
        "`X-Governance-Signature: sha256=<hex>` with `X-Governance-Timestamp`. " + TARGET_RULE,
        tags=["webhooks"],
        request=s.WebhookEndpointSerializer,
        responses={201: s.WebhookEndpointCreatedSerializer, **problems(415), **REFUSED, **ERRORS},
        examples=[examples.WEBHOOK_IN],
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint",
        description="Scope `webhooks:write`. Signed-in: governance admins. " + TARGET_RULE,
        tags=["webhooks"],
        request=s.WebhookEndpointSerializer(partial=True),
        responses={200: s.WebhookEndpointSerializer, **problems(415), **REFUSED, **ERRORS_WITH_404},
    ),
    destroy=extend_schema(
        summary="Remove a webhook endpoint", tags=["webhooks"], responses={204: None, **ERRORS_WITH_404}
    ),
)
class WebhookEndpointViewSet(DocumentedQueryOnly, viewsets.ModelViewSet):
    """Scope `webhooks:write` for every operation (reading too: endpoints are configuration)."""

    pagination_class = IdCursorPagination

    read_scope = Scope.WEBHOOKS_WRITE
    write_scope = Scope.WEBHOOKS_WRITE
    serializer_class = s.WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.all().order_by("id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def person_permission(self, request):
        return is_governance_admin(request.user)

    def create(self, request, *args, **kwargs):
        serializer = s.WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.setdefault("secret", secrets.token_urlsafe(32))
        endpoint = WebhookEndpoint.objects.create(
            created_by_key=request.auth if is_key_request(request) else None, **data
        )
        return Response(s.WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Deliveries to an endpoint, newest first",
        tags=["webhooks"],
        responses={200: s.WebhookDeliverySerializer(many=True), **ERRORS_WITH_404},
    )
    @action(detail=True, methods=["get"], url_path="deliveries", pagination_class=None)
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        rows = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")[:100]
        return Response(s.WebhookDeliverySerializer(rows, many=True).data)

    @extend_schema(
        summary="Deliver an event again (same event id)",
        tags=["webhooks"],
        request=None,
        responses={202: s.WebhookDeliverySerializer, **ERRORS_WITH_404},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        endpoint = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
        delivery = redeliver(delivery=delivery)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
