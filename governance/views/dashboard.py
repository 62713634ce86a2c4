"""Compliance officers' dashboards (issue 7 grows this)."""

from django.shortcuts import render

from governance.roles import is_compliance_officer, role_required


@role_required(is_compliance_officer)
def dashboard(request):
    return render(request, "governance/dashboard.html", {})
