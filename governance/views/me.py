"""Employees' own pages. The attestation flow (issue 5) grows here."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from governance import roles, selectors


@login_required
def my_tools(request):
    employee = roles.employee_of(request.user)
    obligations = []
    if employee is not None:
        obligations = employee.obligations.open().select_related("platform").order_by("due_on")
    return render(request, "governance/me.html", {"employee": employee, "obligations": obligations})


@login_required
def team(request):
    manager = roles.employee_of(request.user)
    reports = []
    if manager is not None:
        reports = selectors.reports_of(manager=manager).select_related("department")
    return render(request, "governance/team.html", {"reports": reports})
