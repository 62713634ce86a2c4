"""One filterset per list: the filters are described once, for the API and its schema."""

import django_filters
from django.db.models import Exists, OuterRef

from attestations.models import OPEN_ACTION_STATUSES, Attestation, Obligation
from integrations.api.query import RFC3339Filter, StrictBooleanFilter
from people.models import Department, Employee
from platforms.filtersets import PlatformFilterSet


class EmployeeFilterSet(django_filters.FilterSet):
    external_id = django_filters.CharFilter(
        help_text="The HR system's id; reaches records whose id has a character a URL path cannot carry."
    )
    department = django_filters.CharFilter(
        method="filter_department", help_text="Department code; includes its sub-departments."
    )
    status = django_filters.ChoiceFilter(choices=Employee.Status.choices)
    updated_since = RFC3339Filter(field_name="updated_at", lookup_expr="gte")
    compliance = django_filters.ChoiceFilter(
        method="filter_compliance",
        choices=[("compliant", "Compliant"), ("noncompliant", "Not compliant")],
        help_text="compliant: no open obligation needs action; noncompliant: at least one does.",
    )

    class Meta:
        model = Employee
        fields = ["external_id", "department", "status", "updated_since", "compliance"]

    def filter_department(self, queryset, name, value):
        department = Department.objects.filter(code=value).first()
        if department is None:
            return queryset.none()
        return queryset.filter(department__path__startswith=department.path)

    def filter_compliance(self, queryset, name, value):
        needs_action = Exists(
            Obligation.objects.filter(employee=OuterRef("pk"), closed_at__isnull=True, status__in=OPEN_ACTION_STATUSES)
        )
        return queryset.filter(~needs_action if value == "compliant" else needs_action)


class AttestationFilterSet(django_filters.FilterSet):
    employee = django_filters.CharFilter(field_name="employee__external_id", help_text="Employee id.")
    platform = django_filters.CharFilter(field_name="platform__slug", help_text="Platform slug.")
    since = RFC3339Filter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Attestation
        fields = ["employee", "platform", "since"]


class ApiPlatformFilterSet(PlatformFilterSet):
    """The catalog's filters with the API's strict booleans (``true`` or ``false``)."""

    stale = StrictBooleanFilter(method="filter_stale", help_text="Only platforms (or settings) due a re-check.")
    verified = StrictBooleanFilter(field_name="verified")

    class Meta(PlatformFilterSet.Meta):
        pass
