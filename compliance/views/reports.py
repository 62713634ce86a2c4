"""Compliance reports for officers: list, start, follow progress (the build's job), download the files;
the evidence packages for auditors (a job each) and their download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.models import ComplianceReport
from compliance.services import evidence
from compliance.services.reports import request_report
from compliance.services.reports.summary import change_text
from governance import csv as csv_export
from governance.models import Job
from governance.roles import is_compliance_officer, role_required
from people.models import Department
from platforms.models import Platform

BUILDING_SHOWN = 5  # the reports in progress the list shows with their progress
PACKAGES_SHOWN = 10  # the latest evidence packages the list shows


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
    return _list_page(request, errors=errors)


def _list_page(request, *, errors=None, evidence_errors=None, evidence_values=None):
    reports = ComplianceReport.objects.select_related("requested_by", "job")
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    building = reports.filter(job__status__in=Job.ACTIVE)[:BUILDING_SHOWN]
    packages = Job.objects.filter(kind=evidence.EXPORT_EVIDENCE).order_by("-created_at", "-id")[:PACKAGES_SHOWN]
    return render(
        request,
        "compliance/reports/list.html",
        {
            "page": page,
            "building": building,
            "errors": errors or {},
            "evidence_errors": evidence_errors or {},
            "evidence_values": evidence_values or {},
            "packages": packages,
            "today": timezone.localdate(),
            # The latest day a period may end on, as the date input's ``max`` takes it (ISO).
            "latest_day": timezone.localdate().isoformat(),
            "departments": Department.objects.order_by("path").values("id", "name"),
            "platforms": Platform.objects.order_by("name").values("id", "name"),
        },
        status=400 if errors or evidence_errors else 200,
    )


@role_required(is_compliance_officer)
@require_POST
def evidence_start(request):
    """Start an evidence package for auditors (a job) and show its page."""
    values = {
        "start": request.POST.get("start", ""),
        "end": request.POST.get("end", ""),
        "departments": request.POST.getlist("department"),
        "evidence_files": request.POST.get("evidence_files") == "1",
    }
    try:
        wanted = evidence.parse_request(
            start=values["start"],
            end=values["end"],
            departments=values["departments"],
            evidence_files=values["evidence_files"],
        )
    except ValidationError as error:
        return _list_page(request, evidence_errors=error.message_dict, evidence_values=values)
    job, _ = evidence.start_export(wanted, actor=request.user)
    messages.success(request, "The evidence package is being written; this page shows its progress.")
    return redirect("job", pk=job.pk)


@role_required(is_compliance_officer)
@require_GET
def evidence_download(request, pk):
    """Stream a finished evidence package from the private storage (officers only)."""
    job = get_object_or_404(Job, pk=pk, kind=evidence.EXPORT_EVIDENCE, status=Job.Status.DONE)
    response = FileResponse(
        evidence.package_file(job),
        as_attachment=True,
        filename=job.result.get("file_name") or f"evidence-{job.pk}.zip",
        content_type="application/zip",
    )
    response["X-Content-SHA256"] = job.result.get("sha256", "")
    response["Cache-Control"] = "private, no-store"
    return response


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
