from django.db.models import QuerySet

from people.models import Employee


def reports_of(*, manager: Employee) -> QuerySet[Employee]:
    """A manager's direct and indirect reports (not the manager), via the materialized path."""
    return Employee.objects.filter(reporting_path__startswith=manager.subtree_prefix)
