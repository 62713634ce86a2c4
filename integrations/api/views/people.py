"""Employees and departments: the HR system's read and write API (single, bulk, terminate)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from attestations.models import OPEN_ACTION_STATUSES, Obligation
from governance import jobs
from governance.roles import can_view_employee, is_compliance_officer, is_governance_admin
from governance.validators import EXTERNAL_ID_HELP, is_url_safe_id, visible
from integrations.api import examples
from integrations.api import serializers as s
from integrations.api.exceptions import ProblemError
from integrations.api.filtersets import EmployeeFilterSet
from integrations.api.idempotency import run_idempotent
from integrations.api.pagination import IdCursorPagination
from integrations.api.permissions import is_key_request
from integrations.api.query import DocumentedQueryOnly
from integrations.api.rows import DEPARTMENT_FIELDS, EMPLOYEE_FIELDS, validate_row
from integrations.api.views.common import (
    ERRORS,
    ERRORS_WITH_404,
    IDEMPOTENCY,
    REFUSED,
    actor_of,
    problems,
    row_problem,
    scopes_note,
)
from integrations.models import Scope
from people.models import Department, Employee
from people.services.hr import MAX_ROWS, terminate_employee, upsert_people

REFERENCE_RULES = (
    "422 (problem type unknown-reference) when `department` or `manager` names a record that does not "
    "exist; 422 (type rule-violated) when the row breaks a rule between fields or records: `terminated_on` "
    "without status terminated, a manager cycle, one's own manager, a new id that is not URL-safe, an "
    "`external_id` in the body other than the one in the URL. 202 when the write is done and a manager "
    "change's reporting line (more than 200 reports) follows in a job: `jobs` lists it, `Location` is its "
    "status URL."
)


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
        description=scopes_note("employees:read") + " A terminated employee answers 404 (see DELETE).",
        tags=["employees"],
        responses={200: s.EmployeeSerializer, **ERRORS_WITH_404},
        examples=[examples.EMPLOYEE_OUT],
    ),
    create=extend_schema(
        summary="Create an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " 409 if the id exists (use PUT to update) or another employee has the e-mail address. "
        + REFERENCE_RULES
        + " Obligations follow the policy's scope.",
        tags=["employees"],
        parameters=[IDEMPOTENCY],
        request=s.EmployeeWriteSerializer,
        responses={
            201: s.EmployeeSerializer,
            202: s.EmployeeWrittenSerializer,
            **problems(409),
            **problems(415),
            **REFUSED,
            **ERRORS,
        },
        examples=[examples.EMPLOYEE_IN, examples.EMPLOYEE_OUT],
    ),
    update=extend_schema(
        summary="Create or replace an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " Fields left out take their defaults (replace semantics). 201 when it creates the employee or "
        "re-hires a terminated one. 409 if another employee has the e-mail address. " + REFERENCE_RULES,
        tags=["employees"],
        request=s.EmployeeUpdateSerializer,
        responses={
            200: s.EmployeeSerializer,
            201: s.EmployeeSerializer,
            202: s.EmployeeWrittenSerializer,
            **problems(409),
            **problems(415),
            **REFUSED,
            **ERRORS,
        },
        examples=[examples.EMPLOYEE_IN, examples.EMPLOYEE_OUT],
    ),
    partial_update=extend_schema(
        summary="Change some fields of an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " 404 for a terminated employee (re-hire with PUT). 409 if another employee has the e-mail address. "
        + REFERENCE_RULES,
        tags=["employees"],
        request=s.EmployeeUpdateSerializer(partial=True),
        responses={
            200: s.EmployeeSerializer,
            202: s.EmployeeWrittenSerializer,
            **problems(409),
            **problems(415),
            **REFUSED,
            **ERRORS_WITH_404,
        },
        examples=[examples.EMPLOYEE_PATCH, examples.EMPLOYEE_OUT],
    ),
    destroy=extend_schema(
        summary="Terminate an employee",
        description=scopes_note(write="employees:write").capitalize()
        + " Sets the status terminated and closes the open obligations; the record and its history stay "
        "for reports and the list (`?status=terminated`), but from then on the employee's address answers "
        "404, as SCIM does for a deleted user, until a PUT re-hires them.",
        tags=["employees"],
        responses={200: s.EmployeeSerializer, **ERRORS_WITH_404},
    ),
)
class EmployeeViewSet(DocumentedQueryOnly, viewsets.ModelViewSet):
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

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset
        return queryset.exclude(status=Employee.Status.TERMINATED)  # a terminated employee's address is gone

    def _apply_one(self, request, data, *, replace=False, partial=False, refuse_existing=False):
        url_id = self.kwargs.get("external_id")
        row, errors = validate_row(data, EMPLOYEE_FIELDS, partial=partial, optional=("external_id",) if url_id else ())
        if errors:
            raise ProblemError(
                400, "The request has invalid fields; see errors.", errors=errors, type_slug="validation-error"
            )
        if refuse_existing and not is_url_safe_id(row["external_id"]):
            # POST always makes a new record, whose id the schema's pattern describes.
            raise ProblemError(
                400,
                "The request has invalid fields; see errors.",
                errors={"external_id": [f"Use a URL-safe id: {EXTERNAL_ID_HELP}"]},
                type_slug="validation-error",
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
                    422,
                    "The id in the body differs from the id in the URL.",
                    errors={"external_id": ["Must equal the id in the URL."]},
                    type_slug="rule-violated",
                )
            row["external_id"] = url_id
        user, label = actor_of(request)
        with jobs.collect_started() as started:
            outcome = upsert_people(employee_rows=[(0, row)], actor=user, actor_label=label, replace=replace)
        if outcome.employees.errors:
            row_problem(outcome.employees)
        return Employee.objects.select_related("department", "manager").get(external_id=row["external_id"]), started

    def _written(self, request, employee, started, code):
        """The answer to a single write: ``code``, or 202 with the jobs (and ``Location`` the
        first one's status URL) when the write left work to a job, as the bulk endpoint does."""
        if not started:
            return Response(s.EmployeeSerializer(employee).data, status=code)
        body = dict(s.EmployeeSerializer(employee).data)
        body["jobs"] = s.JobSerializer(started, many=True, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["jobs"][0]["url"]})

    def create(self, request, *args, **kwargs):
        def compute():
            if not isinstance(request.data, dict):
                raise ProblemError(400, "Send one employee as a JSON object.")
            employee, started = self._apply_one(request, request.data, refuse_existing=True)
            return self._written(request, employee, started, status.HTTP_201_CREATED)

        return run_idempotent(request, compute)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        if not isinstance(request.data, dict):
            raise ProblemError(400, "Send one employee as a JSON object.")
        if partial:
            self.get_object()
        existed = self.get_queryset().filter(external_id=self.kwargs["external_id"]).exists()
        employee, started = self._apply_one(request, request.data, replace=not partial, partial=partial)
        return self._written(request, employee, started, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

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
        "200 when every row was applied; 202 when every row was applied and bringing the people's obligations "
        "in line continues in a job (more than 200 people changed: `jobs` lists it, `Location` is its status "
        "URL); 422 (problem details with the same counts) when some rows were refused; the valid ones are "
        "applied either way. Send an `Idempotency-Key` header to make retries safe.",
        tags=["employees"],
        parameters=[IDEMPOTENCY],
        request=s.BulkRequestSerializer,
        responses={
            200: s.BulkResponseSerializer,
            202: s.BulkResponseSerializer,
            (422, "application/problem+json"): OpenApiResponse(
                examples.BulkProblemSerializer, description="Some rows were refused; the others were applied."
            ),
            **problems(413),
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
        with jobs.collect_started() as started:
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
        if started:  # the records are written; the obligations follow in a job
            body["jobs"] = s.JobSerializer(started, many=True, context={"request": request}).data
        failed = outcome.employees.failed + outcome.departments.failed
        if not failed:
            if started:
                return Response(body, status=202, headers={"Location": body["jobs"][0]["url"]})
            return Response(body)
        from integrations.api.exceptions import problem

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
        employee = get_object_or_404(self.get_queryset(), external_id=external_id)
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
        + " `parent` is a department code; the department tree's paths are kept up to date, and the people "
        "of a moved department (and its sub-departments) have their obligations brought in line: 202 when "
        "they are more than 200 and that continues in a job (`jobs` lists it, `Location` is its status "
        "URL). 422 (type unknown-reference) when the parent does not exist, (type rule-violated) when it "
        "would make the tree a cycle or the body's `code` is not the one in the URL.",
        tags=["departments"],
        request=s.DepartmentUpsertSerializer,
        responses={
            200: s.DepartmentSerializer,
            201: s.DepartmentSerializer,
            202: s.DepartmentWrittenSerializer,
            **problems(415),
            **REFUSED,
            **ERRORS,
        },
        examples=[examples.DEPARTMENT_IN],
    ),
)
class DepartmentViewSet(DocumentedQueryOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
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
                422,
                "The code in the body differs from the code in the URL.",
                errors={"code": ["Must equal the code in the URL."]},
                type_slug="rule-violated",
            )
        row["code"] = code
        existed = Department.objects.filter(code=code).exists()
        user, label = actor_of(request)
        with jobs.collect_started() as started:
            outcome = upsert_people(department_rows=[(0, row)], actor=user, actor_label=label)
        if outcome.departments.errors:
            row_problem(outcome.departments)
        department = Department.objects.select_related("parent").get(code=code)
        body = dict(s.DepartmentSerializer(department).data)
        if started:  # moved with more than 200 people: their obligations follow in a job
            body["jobs"] = s.JobSerializer(started, many=True, context={"request": request}).data
            return Response(body, status=202, headers={"Location": body["jobs"][0]["url"]})
        return Response(body, status=200 if existed else 201)
