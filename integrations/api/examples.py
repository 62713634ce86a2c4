"""Request and response examples for the OpenAPI schema, and the problem-details shape."""

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from integrations.api.serializers import CountsSerializer, RowErrorSerializer


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.JSONField(required=False, help_text="Field errors: {field: [message]} (validation only).")
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (429 only).")


class BulkProblemSerializer(ProblemSerializer):
    """422 from the bulk endpoint: some rows refused (type rows-refused, with the counts and the
    rows' errors), or an Idempotency-Key reused for another request (type idempotency-key-reused)."""

    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)
    errors = serializers.JSONField(
        required=False, help_text="rows-refused: the refused employee rows, as in a 200 response."
    )
    departments = CountsSerializer(required=False)
    department_errors = RowErrorSerializer(many=True, required=False)


EMPLOYEE_ROW = {
    "external_id": "E1001",
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "department": "ENG",
    "manager": "E0001",
    "job_title": "Engineer",
    "country": "GB",
    "handles_customer_data": True,
    "status": "active",
    "hired_on": "2024-03-01",
}
EMPLOYEE_IN = OpenApiExample("An employee", request_only=True, value=EMPLOYEE_ROW)
EMPLOYEE_PATCH = OpenApiExample("Move to another department", request_only=True, value={"department": "SALES"})
EMPLOYEE_OUT = OpenApiExample(
    "Employee",
    response_only=True,
    value={
        **EMPLOYEE_ROW,
        "terminated_on": None,
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-01-05T09:00:00Z",
    },
)
BULK_IN = OpenApiExample(
    "Two departments, a manager and a report",
    request_only=True,
    value={
        "departments": [
            {"code": "ENG", "name": "Engineering", "parent": None},
            {"code": "ENG-PLAT", "name": "Platform", "parent": "ENG"},
        ],
        "employees": [
            {"external_id": "E0001", "email": "grace@example.com", "full_name": "Grace Hopper", "department": "ENG"},
            {
                "external_id": "E1001",
                "email": "ada@example.com",
                "full_name": "Ada Lovelace",
                "department": "ENG-PLAT",
                "manager": "E0001",
                "country": "GB",
            },
        ],
    },
)
BULK_OUT = OpenApiExample(
    "All rows applied",
    response_only=True,
    status_codes=["200"],
    value={
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
        "departments": {"created": 2, "updated": 0, "unchanged": 0, "failed": 0},
        "department_errors": [],
    },
)
BULK_PARTIAL = OpenApiExample(
    "Some rows refused",
    response_only=True,
    status_codes=["422"],
    value={
        "type": "urn:ai-governance:problem:rows-refused",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "1 row(s) were refused (see errors); every other row was applied.",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
        "errors": [{"index": 1, "id": "E1002", "errors": {"department": ["Unknown department code 'NOPE'."]}}],
        "departments": {"created": 0, "updated": 0, "unchanged": 0, "failed": 0},
        "department_errors": [],
    },
)
DEPARTMENT_IN = OpenApiExample("A department", request_only=True, value={"name": "Platform", "parent": "ENG"})
EMPLOYEE_COMPLIANCE = OpenApiExample(
    "Compliance per tool",
    response_only=True,
    value={
        "external_id": "E1001",
        "compliant": False,
        "tools": [
            {
                "platform": {"slug": "chatgpt", "name": "ChatGPT"},
                "policy_version": 3,
                "status": "compliant",
                "due_on": "2026-04-01",
                "valid_until": "2026-04-01",
                "overdue": False,
                "last_attested_at": "2026-01-01T10:00:00Z",
                "last_attestation_hash": "9f2c…",
            },
            {
                "platform": {"slug": "claude", "name": "Claude"},
                "policy_version": 3,
                "status": "pending",
                "due_on": "2026-01-15",
                "valid_until": None,
                "overdue": True,
                "last_attested_at": None,
                "last_attestation_hash": None,
            },
        ],
    },
)
SUMMARY = OpenApiExample(
    "Figures",
    response_only=True,
    value={
        "filters": {"country": "DE"},
        "summary": {
            "total": 120,
            "compliant": 80,
            "not_used": 10,
            "excepted": 2,
            "pending": 20,
            "noncompliant": 8,
            "overdue": 5,
            "satisfied": 92,
            "rate": 76.7,
        },
        "by_department": [],
        "by_platform": [],
        "customer_data_coverage": {"handlers": 30, "fully_compliant": 24, "rate": 80.0},
        "people_coverage": {"people": 100, "fully_compliant": 71, "rate": 71.0},
    },
)
REPORT_IN = OpenApiExample("Report for Germany", request_only=True, value={"filters": {"country": "DE"}})
REPORT_OUT = OpenApiExample(
    "Report",
    response_only=True,
    value={
        "id": 7,
        "url": "https://governance.example.com/api/v1/reports/7/",
        "title": "",
        "status": "queued",
        "progress": 0,
        "job": 31,
        "trigger": "api",
        "filters": {"country": "DE"},
        "summary": {},
        "error": "",
        "as_of": None,
        "created_at": "2026-01-05T09:00:00Z",
        "started_at": None,
        "finished_at": None,
        "csv_sha256": "",
        "pdf_sha256": "",
        "downloads": {},
    },
)
WEBHOOK_IN = OpenApiExample(
    "Non-compliance alerts",
    request_only=True,
    value={"url": "https://hr.example.com/hooks/governance", "events": ["employee.noncompliant", "employee.compliant"]},
)
