"""Compliance reports for officers: list, start, follow progress (the build's job), download the files."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from compliance.models import ComplianceReport
from compliance.services.reports import request_report
from compliance.services.reports.summary import change_text
from governance import csv as csv_export
from governance.models import Job
from governance.roles import is_compliance_officer, role_required
from people.models import Department
from platforms.models import Platform

BUILDING_SHOWN = 5  # the reports in progress the list shows with their progress


@role_required(is_compliance_officer)
@require_http_methods(["GET", "POST"])
def report_list(request):
    """The reports, newest first, those being built with their progress, and the form that
    starts one (a job)."""
    errors = {}
    if request.method == "POST":
        filters = {key: request.POST.get(key, "") for key in ("department", "platform", "customer_data")}
        try:
            report = request_report(requested_by=request.user, trigger=ComplianceReport.Trigger.MANUAL, filters=filters)
        except ValidationError as error:
            errors = error.message_dict
        else:
            report.job.refresh_from_db(fields=["status"])  # in-process (embedded default) it is done already
            messages.success(
                request,
                "The report is ready."
                if report.finished
                else "The report is being built; this page shows its progress.",
            )
            return redirect("reports:detail", pk=report.pk)
    reports = ComplianceReport.objects.select_related("requested_by", "job")
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    building = reports.filter(job__status__in=Job.ACTIVE)[:BUILDING_SHOWN]
    return render(
        request,
        "compliance/reports/list.html",
        {
            "page": page,
            "building": building,
            "errors": errors,
            "departments": Department.objects.order_by("path").values("id", "name"),
            "platforms": Platform.objects.order_by("name").values("id", "name"),
        },
        status=400 if errors else 200,
    )


def _context(report):
    scope = report.summary.get("scope") or report.scope
    return {
        "report": report,
        "scope": scope,
        "finished": report.finished,
        "change_text": change_text(report.summary.get("change"), scope=scope) if report.summary else "",
    }


@role_required(is_compliance_officer)
@require_GET
def report_detail(request, pk):
    """A report: its build's progress (the job's partial, polling until it is finished), then
    its summary and files."""
    report = get_object_or_404(ComplianceReport.objects.select_related("requested_by", "job"), pk=pk)
    return render(request, "compliance/reports/detail.html", _context(report))


@role_required(is_compliance_officer)
@require_GET
def report_download(request, pk, kind):
    """Stream the CSV or PDF from the private storage (officers only)."""
    report = get_object_or_404(ComplianceReport, pk=pk, job__status=Job.Status.DONE)
    field = {"csv": report.csv_file, "pdf": report.pdf_file}.get(kind)
    if not field:
        raise Http404("No such file.")
    content_type = csv_export.CONTENT_TYPE if kind == "csv" else "application/pdf"
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=f"{report.file_stem}.{kind}",
        content_type=content_type,
    )
    response["X-Content-SHA256"] = report.csv_sha256 if kind == "csv" else report.pdf_sha256
    response["Cache-Control"] = "private, no-store"
    return response
