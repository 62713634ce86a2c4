"""API views: thin. Parse, check, call a service or selector, serialize.

Each view names the scope a key needs (``read_scope`` / ``write_scope`` / ``scopes_by_action``);
signed-in people are checked by role in governance.api.permissions.
"""

import secrets

from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import csv as csv_export
from governance.api import examples
from governance.api import serializers as s
from governance.api.exceptions import ProblemError
from governance.api.filtersets import AttestationFilterSet, EmployeeFilterSet
from governance.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from governance.api.idempotency import run_idempotent
from governance.api.pagination import IdCursorPagination
from governance.api.permissions import is_key_request
from governance.api.rows import DEPARTMENT_FIELDS, EMPLOYEE_FIELDS, validate_row
from governance.models import (
    OPEN_ACTION_STATUSES,
    Attestation,
    ComplianceReport,
    Department,
    Employee,
    Obligation,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)
from governance.roles import can_view_employee, is_compliance_officer, is_governance_admin
from governance.selectors.compliance import (
    ComplianceFilters,
    by_department,
    by_platform,
    customer_data_coverage,
    summary,
)
from governance.services.employees import MAX_ROWS, terminate_employee, upsert_people
from governance.services.webhooks import redeliver
from governance.validators import visible

PROBLEM = OpenApiResponse(response=examples.ProblemSerializer, description="Problem details (RFC 9457).")


def problems(*codes):
    """Schema responses for error statuses, served as application/problem+json."""
    return {(code, "application/problem+json"): PROBLEM for code in codes}


ERRORS = problems(400, 401, 403, 429)
ERRORS_WITH_404 = problems(400, 401, 403, 404, 429)
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
    "response without applying anything twice.",
)


def scopes_note(read=None, write=None, people="Compliance officers read; governance admins write."):
    parts = []
    if read:
        parts.append(f"Scope `{read}`")
    if write:
        parts.append(f"scope `{write}`")
    return " / ".join(parts) + f". {people}"


def actor_of(request):
    """(user, label) for audit records: the signed-in person or the key's name."""
    if is_key_request(request):
        return None, request.auth.label
    return request.user, ""


def _row_problem(outcome, section="employees"):
    item = outcome.errors[0]
    raise ProblemError(
        409 if any("already" in m for msgs in item["errors"].values() for m in msgs) else 400,
        "The request has invalid fields; see errors.",
        errors=item["errors"],
        type_slug="validation-error",
    )


# --- Employees ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List employees",
        description=scopes_note("employees:read") + " Cursor-paginated in id order.",
        tags=["employees"],
        responses={200: s.EmployeeSerializer(many=True), **ERRORS},
        examples=[examples.EMPLOYEE_OUT],
    ),
    retrieve=extend_schema(
        summary="Get an employee by the HR system's id",
        description=scopes_note("employees:read"),
        tags=["employees"],
        responses={200: s.EmployeeSerializer, **ERRORS_WITH_404},
        examples=[examples.EMPLOYEE_OUT],
    ),
    create=extend_schema(
        summary="Create an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " 409 if the id exists (use PUT to update). Obligations follow the policy's scope.",
        tags=["employees"],
        parameters=[IDEMPOTENCY],
        request=s.EmployeeWriteSerializer,
        responses={201: s.EmployeeSerializer, **problems(409), **problems(415), **ERRORS},
        examples=[examples.EMPLOYEE_IN, examples.EMPLOYEE_OUT],
    ),
    update=extend_schema(
        summary="Create or replace an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " Fields left out take their defaults (replace semantics).",
        tags=["employees"],
        request=s.EmployeeUpdateSerializer,
        responses={200: s.EmployeeSerializer, 201: s.EmployeeSerializer, **problems(409), **problems(415), **ERRORS},
        examples=[examples.EMPLOYEE_IN, examples.EMPLOYEE_OUT],
    ),
    partial_update=extend_schema(
        summary="Change some fields of an employee",
        description=scopes_note(write="employees:write").capitalize(),
        tags=["employees"],
        request=s.EmployeeUpdateSerializer(partial=True),
        responses={200: s.EmployeeSerializer, **problems(409), **problems(415), **ERRORS_WITH_404},
        examples=[examples.EMPLOYEE_PATCH, examples.EMPLOYEE_OUT],
    ),
    destroy=extend_schema(
        summary="Terminate an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " Sets the status terminated and closes the open obligations; the record and its history stay.",
        tags=["employees"],
        responses={200: s.EmployeeSerializer, **ERRORS_WITH_404},
    ),
)
class EmployeeViewSet(viewsets.ModelViewSet):
    pagination_class = IdCursorPagination
    read_scope = Scope.EMPLOYEES_READ
    write_scope = Scope.EMPLOYEES_WRITE
    scopes_by_action = {"compliance": Scope.COMPLIANCE_READ, "bulk": Scope.EMPLOYEES_WRITE}
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"
    filterset_class = EmployeeFilterSet
    serializer_class = s.EmployeeSerializer
    queryset = Employee.objects.select_related("department", "manager").order_by("id")

    def person_permission(self, request):
        if self.action == "compliance":
            return True  # any signed-in person; the object check below narrows to whom they may see
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return is_compliance_officer(request.user)
        return is_governance_admin(request.user)

    def get_serializer_class(self):
        return s.EmployeeSerializer

    def _apply_one(self, request, data, *, replace=False, partial=False, refuse_existing=False):
        url_id = self.kwargs.get("external_id")
        row, errors = validate_row(data, EMPLOYEE_FIELDS, partial=partial, optional=("external_id",) if url_id else ())
        if errors:
            raise ProblemError(
                400, "The request has invalid fields; see errors.", errors=errors, type_slug="validation-error"
            )
        if refuse_existing and Employee.objects.filter(external_id=row["external_id"]).exists():
            external_id = row["external_id"]
            raise ProblemError(
                409,
                f"Employee {external_id!r} exists; use PUT or PATCH /api/v1/employees/{external_id}/.",
                errors={"external_id": ["An employee with this id exists."]},
            )
        if url_id is not None:
            if row.get("external_id", url_id) != url_id:
                raise ProblemError(
                    400,
                    "The id in the body differs from the id in the URL.",
                    errors={"external_id": ["Must equal the id in the URL."]},
                    type_slug="validation-error",
                )
            row["external_id"] = url_id
        user, label = actor_of(request)
        outcome = upsert_people(employee_rows=[(0, row)], actor=user, actor_label=label, replace=replace)
        if outcome.employees.errors:
            _row_problem(outcome.employees)
        return Employee.objects.select_related("department", "manager").get(external_id=row["external_id"]), outcome

    def create(self, request, *args, **kwargs):
        def compute():
            if not isinstance(request.data, dict):
                raise ProblemError(400, "Send one employee as a JSON object.")
            employee, _ = self._apply_one(request, request.data, refuse_existing=True)
            return Response(s.EmployeeSerializer(employee).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, compute)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        if not isinstance(request.data, dict):
            raise ProblemError(400, "Send one employee as a JSON object.")
        if partial:
            self.get_object()
        existed = Employee.objects.filter(external_id=self.kwargs["external_id"]).exists()
        employee, outcome = self._apply_one(request, request.data, replace=not partial, partial=partial)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(s.EmployeeSerializer(employee).data, status=code)

    def destroy(self, request, *args, **kwargs):
        employee = self.get_object()
        user, label = actor_of(request)
        terminate_employee(employee=employee, actor=user, actor_label=label)
        employee.refresh_from_db()
        return Response(s.EmployeeSerializer(employee).data)

    @extend_schema(
        summary="Create or update up to 10,000 employees",
        description=scopes_note(write="employees:write").capitalize()
        + f" Up to {MAX_ROWS:,} employees (and optionally departments) per request. Every row is validated on "
        "its own; valid rows are applied, refused rows are listed with their index, id and field errors. "
        "`department` and `manager` may refer to rows of the same request. A duplicate id in the request, a "
        "manager cycle or an unknown department refuses the rows concerned. Fields left out of a row for an "
        "existing employee (or department) keep their values; a new employee needs `email` and "
        "`full_name`, a new department `name`, and new ids are URL-safe (1 to 64 of `A-Z a-z 0-9 . _ ~ -`). "
        "200 when every row was applied; 422 (problem details with the same counts) when some rows were "
        "refused; the valid ones are applied either way. Send an `Idempotency-Key` header to make retries safe.",
        tags=["employees"],
        parameters=[IDEMPOTENCY],
        request=s.BulkRequestSerializer,
        responses={
            200: s.BulkResponseSerializer,
            (422, "application/problem+json"): OpenApiResponse(
                examples.BulkProblemSerializer, description="Some rows were refused; the others were applied."
            ),
            **problems(415),
            **ERRORS,
        },
        examples=[examples.BULK_IN, examples.BULK_OUT, examples.BULK_PARTIAL],
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        return run_idempotent(request, lambda: self._bulk(request))

    def _bulk(self, request):
        data = request.data
        if not isinstance(data, dict):
            raise ProblemError(
                400,
                'Send a JSON object: {"employees": [...], "departments": [...]}.',
                errors={"non_field_errors": ["Expected a JSON object."]},
                type_slug="validation-error",
            )
        unknown = sorted(set(data) - {"employees", "departments"})
        if unknown:
            raise ProblemError(
                400,
                "The request has unknown fields.",
                errors={visible(name): ["Unknown field."] for name in unknown},
                type_slug="validation-error",
            )
        sections = {}
        for name, spec in (("employees", EMPLOYEE_FIELDS), ("departments", DEPARTMENT_FIELDS)):
            rows = data.get(name, [] if name == "departments" else None)
            if not isinstance(rows, list):
                raise ProblemError(
                    400, f"{name!r} must be a list.", errors={name: ["Expected a list."]}, type_slug="validation-error"
                )
            if len(rows) > MAX_ROWS:
                raise ProblemError(
                    413,
                    f"At most {MAX_ROWS:,} {name} per request; this one has {len(rows):,}. Nothing was applied.",
                    errors={name: [f"At most {MAX_ROWS:,} rows."]},
                    type_slug="too-many-rows",
                )
            sections[name] = self._validate_rows(rows, spec)
        user, label = actor_of(request)
        (emp_rows, emp_errors, emp_keys), (dep_rows, dep_errors, dep_keys) = (
            sections["employees"],
            sections["departments"],
        )
        outcome = upsert_people(
            employee_rows=emp_rows,
            department_rows=dep_rows,
            employee_errors=emp_errors,
            department_errors=dep_errors,
            raw_keys={"employees": emp_keys, "departments": dep_keys},
            actor=user,
            actor_label=label,
        )
        body = {
            **outcome.employees.as_dict(),
            "errors": outcome.employees.errors,
            "departments": outcome.departments.as_dict(),
            "department_errors": outcome.departments.errors,
        }
        failed = outcome.employees.failed + outcome.departments.failed
        if not failed:
            return Response(body)
        from governance.api.exceptions import problem

        refused = problem(
            422,
            f"{failed} row(s) were refused (see errors); every other row was applied.",
            type_slug="rows-refused",
        )
        return Response({**refused, **body}, status=422, content_type="application/problem+json")

    @staticmethod
    def _validate_rows(rows, spec):
        valid, errors, keys = [], {}, {}
        key_name = "external_id" if spec is EMPLOYEE_FIELDS else "code"
        # Only the key is required here: an existing record keeps what a row leaves out, and
        # upsert_people asks a new record for the rest.
        keepable = tuple(name for name, field in spec.items() if field.required and name != key_name)
        for index, row in enumerate(rows):
            cleaned, row_errors = validate_row(row, spec, optional=keepable)
            if isinstance(row, dict) and isinstance(row.get(key_name), str):
                keys[index] = visible(row[key_name])
            if row_errors:
                errors[index] = row_errors
            else:
                valid.append((index, cleaned))
        return valid, errors, keys

    @extend_schema(
        summary="An employee's compliance, per tool",
        description="Scope `compliance:read`. Signed-in people: officers see everyone, managers their "
        "reports, everyone themself (404 for anyone else). Lists the open obligations with status, "
        "due date, validity and the hash of the attestation that satisfied it.",
        tags=["compliance"],
        responses={200: s.EmployeeComplianceSerializer, **ERRORS_WITH_404},
        examples=[examples.EMPLOYEE_COMPLIANCE],
    )
    @action(detail=True, methods=["get"], url_path="compliance", filterset_class=None, pagination_class=None)
    def compliance(self, request, external_id=None):
        employee = get_object_or_404(Employee, external_id=external_id)
        if not is_key_request(request) and not can_view_employee(request.user, employee):
            raise NotFound("No such employee.")
        obligations = list(
            Obligation.objects.open()
            .filter(employee=employee)
            .select_related("platform", "satisfied_by")
            .order_by("platform__name", "id")
        )
        body = {
            "external_id": employee.external_id,
            "compliant": not any(o.status in OPEN_ACTION_STATUSES for o in obligations),
            "tools": s.ObligationStatusSerializer(obligations, many=True, context={"today": timezone.localdate()}).data,
        }
        return Response(body)


# --- Departments ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List departments",
        description=scopes_note("employees:read"),
        tags=["departments"],
        responses={200: s.DepartmentSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a department by code",
        description=scopes_note("employees:read"),
        tags=["departments"],
        responses={200: s.DepartmentSerializer, **ERRORS_WITH_404},
    ),
    update=extend_schema(
        summary="Create or update a department by code",
        description=scopes_note(write="employees:write").capitalize()
        + " `parent` is a department code; the department tree's paths are kept up to date.",
        tags=["departments"],
        request=s.DepartmentUpsertSerializer,
        responses={200: s.DepartmentSerializer, 201: s.DepartmentSerializer, **problems(415), **ERRORS},
        examples=[examples.DEPARTMENT_IN],
    ),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = IdCursorPagination
    read_scope = Scope.EMPLOYEES_READ
    write_scope = Scope.EMPLOYEES_WRITE
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = s.DepartmentSerializer
    queryset = Department.objects.select_related("parent").order_by("id")
    http_method_names = ["get", "put", "head", "options"]

    def update(self, request, code=None):
        if not isinstance(request.data, dict):
            raise ProblemError(400, "Send the department as a JSON object.")
        row, errors = validate_row(request.data, DEPARTMENT_FIELDS, optional=("code",))
        if errors:
            raise ProblemError(
                400, "The request has invalid fields; see errors.", errors=errors, type_slug="validation-error"
            )
        if row.get("code", code) != code:
            raise ProblemError(
                400,
                "The code in the body differs from the code in the URL.",
                errors={"code": ["Must equal the code in the URL."]},
                type_slug="validation-error",
            )
        row["code"] = code
        existed = Department.objects.filter(code=code).exists()
        user, label = actor_of(request)
        outcome = upsert_people(department_rows=[(0, row)], actor=user, actor_label=label)
        if outcome.departments.errors:
            _row_problem(outcome.departments)
        department = Department.objects.select_related("parent").get(code=code)
        return Response(s.DepartmentSerializer(department).data, status=200 if existed else 201)


# --- Compliance -------------------------------------------------------------------------


@extend_schema(
    summary="Compliance figures with the dashboard's filters",
    description="Scope `compliance:read`. Signed-in: compliance officers. Figures over open obligations, "
    "computed by the same functions as the dashboard and the reports.",
    tags=["compliance"],
    parameters=[
        OpenApiParameter("department", OpenApiTypes.INT, description="Department id (with sub-departments)."),
        OpenApiParameter("platform", OpenApiTypes.INT, description="Platform id."),
        OpenApiParameter("policy_version", OpenApiTypes.INT, description="Policy version id."),
        OpenApiParameter("country", OpenApiTypes.STR, description="Two-letter country code."),
        OpenApiParameter("customer_data", OpenApiTypes.BOOL, description="Only people who handle customer data."),
    ],
    responses={200: s.ComplianceSummarySerializer, **ERRORS},
    examples=[examples.SUMMARY],
)
class ComplianceSummaryView(APIView):
    read_scope = Scope.COMPLIANCE_READ
    write_scope = None

    def get(self, request):
        filters = ComplianceFilters.from_params(request.query_params)
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
class AttestationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    pagination_class = IdCursorPagination
    read_scope = Scope.ATTESTATIONS_READ
    write_scope = None
    serializer_class = s.AttestationSerializer
    filterset_class = AttestationFilterSet
    queryset = Attestation.objects.select_related("employee", "platform").order_by("id")


# --- Reports ----------------------------------------------------------------------------


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
        "report's URL (Location header and `url`), which shows its status and progress.",
        tags=["reports"],
        request=s.ReportCreateSerializer,
        responses={202: s.ReportSerializer, **problems(415), **problems(503), **ERRORS},
        examples=[examples.REPORT_IN, examples.REPORT_OUT],
    ),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    pagination_class = IdCursorPagination
    read_scope = Scope.REPORTS_READ
    write_scope = Scope.REPORTS_WRITE
    serializer_class = s.ReportSerializer
    queryset = ComplianceReport.objects.all().order_by("id")

    def person_permission(self, request):
        return is_compliance_officer(request.user)

    def create(self, request, *args, **kwargs):
        serializer = s.ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filters = serializer.validated_data.get("filters", {})
        unknown = sorted(set(filters) - set(ComplianceFilters.PARAMS))
        if unknown:
            raise ProblemError(
                400,
                "Unknown report filters.",
                errors={"filters": [f"Unknown filter {name!r}." for name in unknown]},
                type_slug="validation-error",
            )
        ComplianceFilters.from_params(filters)  # refuses unknown ids before anything is queued
        try:
            from governance.services.reports import request_report
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


# --- Webhooks ---------------------------------------------------------------------------


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
        "`X-Governance-Signature: sha256=<hex>` with `X-Governance-Timestamp`.",
        tags=["webhooks"],
        request=s.WebhookEndpointSerializer,
        responses={201: s.WebhookEndpointCreatedSerializer, **problems(415), **ERRORS},
        examples=[examples.WEBHOOK_IN],
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint",
        tags=["webhooks"],
        request=s.WebhookEndpointSerializer(partial=True),
        responses={200: s.WebhookEndpointSerializer, **problems(415), **ERRORS_WITH_404},
    ),
    destroy=extend_schema(
        summary="Remove a webhook endpoint", tags=["webhooks"], responses={204: None, **ERRORS_WITH_404}
    ),
)
class WebhookEndpointViewSet(viewsets.ModelViewSet):
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
