"""The browser extension's usage figures, read-only, for HR and officer integrations."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from browser_extension.selectors import usage_overview
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import ERRORS
from integrations.models import Scope


class UsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=settings.EXTENSION_USAGE_WINDOW_MAX_DAYS,
        required=False,
        help_text=f"How many days back, today included (default {settings.EXTENSION_USAGE_WINDOW_DAYS}).",
    )


class ToolCountSerializer(serializers.Serializer):
    platform = serializers.CharField(help_text="The catalog tool's id (slug).")
    name = serializers.CharField()
    people = serializers.IntegerField()


class ContradictionSerializer(serializers.Serializer):
    employee = serializers.CharField(help_text="The HR system's id of the person.")
    name = serializers.CharField()
    platform = serializers.CharField()
    attested_not_used_at = serializers.DateTimeField()
    last_opened_on = serializers.DateField()


class ContradictionsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    people = ContradictionSerializer(many=True)


class UsageSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    tools_no_rule_covers = ToolCountSerializer(many=True)
    prohibited_tools_in_use = ToolCountSerializer(many=True)
    contradictions = ContradictionsSerializer()


@extend_schema(
    summary="Tools people use, as the browser extension reports them",
    description="Scope `usage:read`. Signed-in: compliance officers. The figures of the officers' "
    "'Tools in use' page, from the same function: catalog tools opened by people no published rule "
    "covers for that tool, prohibited tools opened by people the prohibition covers (people per tool), "
    "and people whose current attestation says 'I do not use this tool' whose browser opened it after "
    "they signed (a question to follow up, not a verdict). Only people whose policy turns usage "
    "signals on send any.",
    tags=["usage"],
    parameters=[UsageQuerySerializer],
    responses={200: UsageSerializer, **ERRORS},
)
class UsageView(DocumentedQueryOnly, APIView):
    read_scope = Scope.USAGE_READ
    write_scope = None
    query_params = {"get": tuple(UsageQuerySerializer().fields)}

    def get(self, request):
        query = UsageQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        days = query.validated_data.get("days") or settings.EXTENSION_USAGE_WINDOW_DAYS
        return Response(usage_overview(today=timezone.localdate(), days=days).as_dict())
