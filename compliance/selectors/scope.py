"""What a figure covers, in words: the one description of a set of compliance filters that the
dashboard, the drill-down lists, the reports (title, page, PDF, file names), the API and the
report e-mail show, so that a figure always says which people it counts.

Names, never ids: a department by its name (and whether its sub-departments are in), a tool
by its name, a policy version as "<policy> v<number>"."""

from collections.abc import Mapping
from typing import Any

from django.utils.text import slugify

from compliance.selectors.filters import ComplianceFilters

WHOLE_ORGANIZATION = "Whole organization"


def scope_parts(filters: ComplianceFilters, *, platform_names: Mapping[int, str] | None = None) -> list[str]:
    """The filters as short phrases, broadest first; empty for the whole organization.

    A manager's team is not described here (the team pages say "your reports" themselves).
    ``platform_names`` ({id: name}) saves the tool lookup when the caller holds the names."""
    parts = []
    if filters.department is not None:
        name = filters.department.name
        parts.append(
            f"{name} (direct members only)" if filters.department_direct_only else f"{name} and sub-departments"
        )
    elif filters.no_department:
        parts.append("People without a department")
    if filters.platform_id:
        parts.append(f"Tool: {_platform_name(filters.platform_id, platform_names)}")
    if filters.policy_version_id:
        parts.append(f"Policy version: {_version_name(filters.policy_version_id)}")
    if filters.country:
        parts.append(f"Country: {filters.country}")
    if filters.customer_data_only:
        parts.append("Customer-data handlers only")
    return parts


def scope_label(filters: ComplianceFilters, *, platform_names: Mapping[int, str] | None = None) -> str:
    """The filters in one line ("Engineering and sub-departments · Tool: ChatGPT"), or
    "Whole organization"."""
    return " · ".join(scope_parts(filters, platform_names=platform_names)) or WHOLE_ORGANIZATION


def scope_slug(label: str) -> str:
    """A file-name-safe form of a scope label ("engineering-and-sub-departments")."""
    return slugify(label)[:60].strip("-") or "whole-organization"


def same_scope_params(filters: ComplianceFilters) -> dict[str, str]:
    """The filters in the canonical form reports store and compare (string values), so that
    "the last report of the same scope" is an equality on that form."""
    return {key: str(value) for key, value in filters.as_params().items()}


def _platform_name(platform_id: int, names: Mapping[int, str] | None) -> Any:
    if names is not None and platform_id in names:
        return names[platform_id]
    from platforms.models import Platform

    return Platform.objects.filter(pk=platform_id).values_list("name", flat=True).first() or "(deleted tool)"


def _version_name(version_id: int) -> str:
    from policies.models import PolicyVersion

    version = PolicyVersion.objects.select_related("policy").filter(pk=version_id).first()
    return str(version) if version is not None else "(deleted version)"
