"""The filters every figure takes: ComplianceFilters, parsed from URL parameters in one place,
and the Q objects they become."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from governance.validators import parse_id
from people.models import Department, Employee

NO_DEPARTMENT = "none"


@dataclass(frozen=True)
class ComplianceFilters:
    """What a compliance view is narrowed to. Empty means "the whole organization"."""

    department: Department | None = None  # with all its sub-departments
    platform_id: int | None = None
    policy_version_id: int | None = None
    country: str = ""
    customer_data_only: bool = False
    manager: Employee | None = None  # a manager's direct and indirect reports only
    # Narrower department scopes used by drill-down links: only the department's own
    # members (not its sub-departments), or obligations of people without a department.
    department_direct_only: bool = False
    no_department: bool = False

    PARAMS = ("department", "platform", "policy_version", "country", "customer_data", "direct")

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, Any],
        *,
        manager: Employee | None = None,
        departments: Any = None,
        platform_ids: Any = None,
        version_ids: Any = None,
    ) -> "ComplianceFilters":
        """The one parser of the filters' URL query parameters, for the dashboard and its lists,
        the CSV, the API summary and reports. Raises ValidationError naming every bad field.

        ``departments`` ({id: Department}) saves the department lookup when the caller holds the
        tree already; ``platform_ids`` and ``version_ids``, when given, refuse ids not in them."""
        errors = {}

        def number(name: str, known: Any, missing: str) -> int | None:
            if not params.get(name):
                return None
            value = parse_id(str(params.get(name)))
            if value is None:
                errors[name] = "Must be the number of one."
            elif known is not None and value not in known:
                errors[name] = missing
            return value

        department = None
        no_department = params.get("department") == NO_DEPARTMENT
        department_id = None if no_department else number("department", None, "")
        if department_id is not None:
            if departments is not None:
                department = departments.get(department_id)
            else:
                department = Department.objects.filter(pk=department_id).first()
            if department is None:
                errors["department"] = "No such department."
        platform_id = number("platform", platform_ids, "No such tool.")
        policy_version_id = number("policy_version", version_ids, "No such policy version.")
        country = (params.get("country") or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            errors["country"] = "Use a two-letter country code."
        if errors:
            raise ValidationError(errors)
        return cls(
            department=department,
            platform_id=platform_id,
            policy_version_id=policy_version_id,
            country=country,
            customer_data_only=_flag(params.get("customer_data")),
            manager=manager,
            department_direct_only=department is not None and _flag(params.get("direct")),
            no_department=no_department,
        )

    def as_params(self) -> dict[str, Any]:
        """The filters as URL query parameters (for links that keep the current view)."""
        params: dict[str, Any] = {}
        if self.department is not None:
            params["department"] = self.department.pk
            if self.department_direct_only:
                params["direct"] = "1"
        elif self.no_department:
            params["department"] = NO_DEPARTMENT
        if self.platform_id:
            params["platform"] = self.platform_id
        if self.policy_version_id:
            params["policy_version"] = self.policy_version_id
        if self.country:
            params["country"] = self.country
        if self.customer_data_only:
            params["customer_data"] = "1"
        return params

    @property
    def snapshot_compatible(self) -> bool:
        """Whether the daily snapshots (kept per department and tool only) can honour these
        filters; trends and 30-day changes are not available otherwise."""
        return not (self.policy_version_id or self.country or self.customer_data_only or self.manager)


def _flag(value: Any) -> bool:
    return str(value or "").lower() in {"1", "true", "on", "yes"}
