"""Shapes of the API: what goes in (validated field by field) and what comes out."""

from django.urls import reverse
from rest_framework import serializers

from attestations.models import AnswerSource, Attestation, Obligation
from compliance.models import ComplianceReport
from governance.strict import RefusesUnknownFields, StrictSerializer, TextField
from governance.validators import MAX_ID
from integrations.api.exceptions import ProblemError
from integrations.api.rows import DEPARTMENT_FIELDS, EMPLOYEE_FIELDS, TEXT_PATTERN, serializer_for
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.webhooks import UnsafeWebhookTarget, check_registration
from people.models import Department, Employee
from people.services.hr import MAX_ROWS


class JSONBooleanField(serializers.BooleanField):
    """A JSON true or false: DRF's own also takes "yes", "on", 1 and their kin."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class QueryBooleanField(serializers.BooleanField):
    """A query parameter's ``true`` or ``false``."""

    def to_internal_value(self, data):
        if data not in ("true", "false"):
            self.fail("invalid", input=data)
        return data == "true"


class QueryIdField(serializers.IntegerField):
    """A record id in a query: ASCII digits, 1 to the largest key (DRF's also takes "1.0", " 1")."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        if not (isinstance(data, str) and data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class ComplianceQuerySerializer(StrictSerializer):
    """The dashboard's filters as query parameters (GET /compliance/summary/)."""

    department = QueryIdField(required=False, help_text="Department id; includes its sub-departments.")
    direct = QueryBooleanField(required=False, help_text="With department: only its direct members.")
    platform = QueryIdField(required=False, help_text="Platform id.")
    policy_version = QueryIdField(required=False, help_text="Policy version id.")
    country = TextField(
        r"^[A-Za-z]{2}$",
        required=False,
        help_text="Two-letter country code.",
        error_messages={"invalid": "Use a two-letter country code."},
    )
    customer_data = QueryBooleanField(required=False, help_text="Only people who handle customer data.")


_ID_TEXT = r"^(?:[1-9][0-9]{0,18})?$"
_FLAG_TEXT = r"^(?:true|false)?$"


class ReportFiltersSerializer(StrictSerializer):
    """The same filters in a report request, as text (empty: not filtered)."""

    department = TextField(_ID_TEXT, required=False, allow_blank=True, help_text="Department id.")
    direct = TextField(_FLAG_TEXT, required=False, allow_blank=True, help_text="true or false.")
    platform = TextField(_ID_TEXT, required=False, allow_blank=True, help_text="Platform id.")
    policy_version = TextField(_ID_TEXT, required=False, allow_blank=True, help_text="Policy version id.")
    country = TextField(r"^(?:[A-Za-z]{2})?$", required=False, allow_blank=True, help_text="Two-letter country code.")
    customer_data = TextField(_FLAG_TEXT, required=False, allow_blank=True, help_text="true or false.")


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


# A bulk row needs only its key: an existing record keeps what the row leaves out.
EmployeeBulkRowSerializer = serializer_for(
    "EmployeeBulkRow", EMPLOYEE_FIELDS, optional=tuple(n for n in EMPLOYEE_FIELDS if n != "external_id")
)
DepartmentBulkRowSerializer = serializer_for(
    "DepartmentBulkRow", DEPARTMENT_FIELDS, optional=tuple(n for n in DEPARTMENT_FIELDS if n != "code")
)


class BulkRequestSerializer(serializers.Serializer):
    """Documentation of the bulk body; rows are validated one by one by the view."""

    refuses_unknown_fields = True

    employees = serializers.ListField(
        child=EmployeeBulkRowSerializer(),
        max_length=MAX_ROWS,
        help_text=f"At most {MAX_ROWS:,} rows (more: 413, nothing applied). A new employee needs `email` and "
        "`full_name`.",
    )
    departments = serializers.ListField(
        child=DepartmentBulkRowSerializer(),
        max_length=MAX_ROWS,
        required=False,
        help_text="Upserted before the employees. A new department needs `name`.",
    )


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in its list (0-based).")
    id = serializers.CharField(allow_null=True, help_text="The row's id (external id or department code).")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    progress = serializers.IntegerField(min_value=0, max_value=100)
    step = serializers.CharField()
    message = serializers.CharField()
    result = serializers.DictField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, job) -> str:
        request = self.context.get("request")
        path = reverse("api-job-detail", args=[job.pk])
        return request.build_absolute_uri(path) if request else path


def started_jobs(why: str) -> JobSerializer:
    """The ``jobs`` of a write's answer: present with a 202, the follow-up work it started."""
    return JobSerializer(many=True, required=False, help_text=f"Present with a 202: {why}; its url shows its progress.")


class BulkResponseSerializer(CountsSerializer):
    errors = RowErrorSerializer(many=True)
    departments = CountsSerializer()
    department_errors = RowErrorSerializer(many=True)
    jobs = started_jobs(
        "bringing more than 200 people's obligations in line, or the reporting line of more than 200 reports of "
        "a moved manager, runs as a job"
    )


class EmployeeWrittenSerializer(EmployeeSerializer):
    """The employee as written, and (with a 202) the follow-up work the write started."""

    jobs = started_jobs("the write moved a manager with more than 200 reports, whose reporting line follows in a job")

    class Meta(EmployeeSerializer.Meta):
        fields = [*EmployeeSerializer.Meta.fields, "jobs"]


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
    id = serializers.IntegerField(allow_null=True, help_text="null on the row of people without a department.")
    name = serializers.CharField()


class PlatformFiguresSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    handlers = serializers.IntegerField()
    fully_compliant = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class PeopleCoverageSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="People with at least one open obligation inside the filters.")
    fully_compliant = serializers.IntegerField(help_text="Of those, the people with every one satisfied.")
    rate = serializers.FloatField(allow_null=True)


class ComplianceSummarySerializer(serializers.Serializer):
    filters = serializers.DictField()
    summary = FiguresSerializer()
    by_department = DepartmentFiguresSerializer(many=True)
    by_platform = PlatformFiguresSerializer(many=True)
    customer_data_coverage = CoverageSerializer()
    people_coverage = PeopleCoverageSerializer()


class AttestationSerializer(serializers.ModelSerializer):
    employee = serializers.CharField(source="employee.external_id")
    platform = serializers.CharField(source="platform.slug", allow_null=True, default=None)
    policy_version = serializers.IntegerField(source="policy_version_id")
    answers = serializers.ListField(child=serializers.DictField())
    source = serializers.ChoiceField(
        choices=AnswerSource.choices,
        read_only=True,
        help_text="typed: answered by the person; extension: read from the tool's settings page by the browser "
        "extension (each such answer carries source and probe_revision, inside the hashed record).",
    )

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
            "source",
            "created_at",
            "prev_hash",
            "hash",
        ]


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    # The build's state comes from the report's job (GET /api/v1/jobs/<job>/ has its steps too).
    status = serializers.ChoiceField(choices=ComplianceReport.Status.choices, read_only=True)
    progress = serializers.IntegerField(read_only=True, min_value=0, max_value=100, help_text="Percent done.")
    error = serializers.CharField(read_only=True, help_text="Why the build failed (empty unless it failed).")
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True, help_text="The build's job.")

    class Meta:
        model = ComplianceReport
        fields = [
            "id",
            "url",
            "title",
            "status",
            "progress",
            "job",
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
    filters = ReportFiltersSerializer(
        required=False,
        help_text="The dashboard's filters; an id that names no record is refused with 422 (unknown-reference).",
    )


# http(s)://host[:port][/path][?query]: no user information (deliveries are signed), printable ASCII.
_LABEL = r"[A-Za-z0-9_~%!$&'()*+,;=-]{1,63}"
WEBHOOK_URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*\.?)(?::[0-9]{{1,5}})?(?:[/?#][!-~]*)?$"
)


class WebhookEndpointSerializer(RefusesUnknownFields, serializers.ModelSerializer):
    url = TextField(
        WEBHOOK_URL_PATTERN,
        max_length=500,
        help_text="An http(s) URL. A host that is internal, or resolves to an internal address, is refused "
        "with 422 (webhook-target-refused); production takes https only.",
    )
    description = TextField(TEXT_PATTERN, max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)
    active = JSONBooleanField(required=False)
    secret = TextField(
        TEXT_PATTERN,
        write_only=True,
        required=False,
        min_length=16,
        max_length=128,
        help_text="Generated when left out.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "secret", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, value):
        try:
            try:
                check_registration(value)
            except (UnicodeError, ValueError) as exc:  # a name the resolver cannot even encode
                raise UnsafeWebhookTarget("This host name cannot be looked up.") from exc
        except UnsafeWebhookTarget as exc:
            # The form is the schema's; whether the target is allowed depends on where it points.
            raise ProblemError(422, str(exc), errors={"url": [str(exc)]}, type_slug="webhook-target-refused") from exc
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


class DepartmentWrittenSerializer(DepartmentSerializer):
    """The department as written, and (with a 202) the follow-up work the move started."""

    jobs = started_jobs(
        "bringing the obligations of more than 200 people of the moved departments in line runs as a job"
    )

    class Meta(DepartmentSerializer.Meta):
        fields = [*DepartmentSerializer.Meta.fields, "jobs"]
        read_only_fields = fields
