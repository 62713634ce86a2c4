"""Shapes of the API: what goes in (validated field by field) and what comes out."""

from django.urls import reverse
from rest_framework import serializers

from attestations.models import Attestation, Obligation
from compliance.models import ComplianceReport
from integrations.api.rows import DEPARTMENT_FIELDS, EMPLOYEE_FIELDS, serializer_for
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.webhooks import UnsafeWebhookTarget, check_registration
from people.models import Department, Employee
from people.services.hr import MAX_ROWS


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {name for name, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


# Documentation of the row shapes; the rules themselves live in integrations.api.rows.
EmployeeWriteSerializer = serializer_for("EmployeeWrite", EMPLOYEE_FIELDS)
EmployeeUpdateSerializer = serializer_for("EmployeeUpdate", EMPLOYEE_FIELDS, optional=("external_id",))
DepartmentWriteSerializer = serializer_for("DepartmentWrite", DEPARTMENT_FIELDS)
DepartmentUpsertSerializer = serializer_for("DepartmentUpsert", DEPARTMENT_FIELDS, optional=("code",))


class EmployeeSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    manager = serializers.CharField(source="manager.external_id", allow_null=True, default=None)

    class Meta:
        model = Employee
        fields = [
            "external_id",
            "email",
            "full_name",
            "department",
            "manager",
            "job_title",
            "country",
            "handles_customer_data",
            "status",
            "hired_on",
            "terminated_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = Department
        fields = ["code", "name", "parent", "path", "created_at", "updated_at"]
        read_only_fields = fields


class BulkRequestSerializer(serializers.Serializer):
    """Documentation of the bulk body; rows are validated one by one by the view."""

    employees = EmployeeWriteSerializer(many=True, help_text=f"At most {MAX_ROWS:,} rows.")
    departments = DepartmentWriteSerializer(many=True, required=False, help_text="Upserted before the employees.")


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in its list (0-based).")
    id = serializers.CharField(allow_null=True, help_text="The row's id (external id or department code).")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkResponseSerializer(CountsSerializer):
    errors = RowErrorSerializer(many=True)
    departments = CountsSerializer()
    department_errors = RowErrorSerializer(many=True)


class PlatformRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ObligationStatusSerializer(serializers.ModelSerializer):
    platform = PlatformRefSerializer()
    policy_version = serializers.IntegerField(source="policy_version_id")
    overdue = serializers.SerializerMethodField()
    last_attestation_hash = serializers.CharField(source="satisfied_by.hash", allow_null=True, default=None)

    class Meta:
        model = Obligation
        fields = [
            "platform",
            "policy_version",
            "status",
            "due_on",
            "valid_until",
            "overdue",
            "last_attested_at",
            "last_attestation_hash",
        ]

    def get_overdue(self, obligation) -> bool:
        return obligation.is_overdue(self.context["today"])


class EmployeeComplianceSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    compliant = serializers.BooleanField(help_text="Every open obligation is satisfied.")
    tools = ObligationStatusSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    compliant = serializers.IntegerField()
    not_used = serializers.IntegerField()
    excepted = serializers.IntegerField()
    pending = serializers.IntegerField()
    noncompliant = serializers.IntegerField()
    overdue = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent of open obligations satisfied.")


class DepartmentFiguresSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlatformFiguresSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    handlers = serializers.IntegerField()
    fully_compliant = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ComplianceSummarySerializer(serializers.Serializer):
    filters = serializers.DictField()
    summary = FiguresSerializer()
    by_department = DepartmentFiguresSerializer(many=True)
    by_platform = PlatformFiguresSerializer(many=True)
    customer_data_coverage = CoverageSerializer()


class AttestationSerializer(serializers.ModelSerializer):
    employee = serializers.CharField(source="employee.external_id")
    platform = serializers.CharField(source="platform.slug", allow_null=True, default=None)
    policy_version = serializers.IntegerField(source="policy_version_id")
    answers = serializers.ListField(child=serializers.DictField())

    class Meta:
        model = Attestation
        fields = [
            "id",
            "kind",
            "employee",
            "platform",
            "policy_version",
            "compliant",
            "tool_used",
            "tier",
            "answers",
            "created_at",
            "prev_hash",
            "hash",
        ]


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceReport
        fields = [
            "id",
            "url",
            "title",
            "status",
            "progress",
            "trigger",
            "filters",
            "summary",
            "error",
            "as_of",
            "created_at",
            "started_at",
            "finished_at",
            "csv_sha256",
            "pdf_sha256",
            "downloads",
        ]

    def _absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, report) -> str:
        return self._absolute(reverse("api-report-detail", args=[report.pk]))

    def get_downloads(self, report) -> dict[str, str]:
        links = {}
        for kind in ("csv", "pdf"):
            if getattr(report, f"{kind}_file"):
                links[kind] = self._absolute(reverse("api-report-download", args=[report.pk]) + f"?format={kind}")
        return links


class ReportCreateSerializer(StrictSerializer):
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="The dashboard's filters: department, platform, policy_version (ids), country, customer_data.",
    )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)
    secret = serializers.CharField(
        write_only=True, required=False, min_length=16, max_length=128, help_text="Generated when left out."
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "secret", "created_at"]
        read_only_fields = ["id", "created_at"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {n for n, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_url(self, value):
        try:
            check_registration(value)
        except UnsafeWebhookTarget as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate_events(self, value):
        return [e for e in WebhookEvent.values if e in value]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown only in this response.")

    class Meta(WebhookEndpointSerializer.Meta):
        read_only_fields = [*WebhookEndpointSerializer.Meta.fields]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]
