"""A report's build is a job (issue 17): the report links to its governance Job, which is the
one record of the build's status, progress, error and times; the report's own columns for them go.

Every existing report gets a job carrying its state, so its page and the API show what they
showed before. A report that was queued or running when the workers stopped is queued again
(no worker holds it now): its old ``governance.build_report`` message, or a new start, builds it.
Reversed, the columns come back filled from the jobs, and the jobs made here are deleted.
"""

import django.db.models.deletion
from django.db import migrations, models

KIND = "compliance.report"  # compliance.jobs.BUILD_REPORT
BATCH = 500


def _message(status, error):
    if status == "done":
        return "The report was built."
    if status == "failed":
        return f"The report failed: {error}" if error else "The report failed."
    return ""


def reports_to_jobs(apps, schema_editor):
    ComplianceReport = apps.get_model("compliance", "ComplianceReport")
    Job = apps.get_model("governance", "Job")
    reports = list(ComplianceReport.objects.filter(job__isnull=True).order_by("pk"))
    for start in range(0, len(reports), BATCH):
        batch = reports[start : start + BATCH]
        jobs = []
        for report in batch:
            status = report.status if report.status in ("done", "failed") else "queued"
            jobs.append(
                Job(
                    kind=KIND,
                    key=f"report:{report.pk}",
                    title=(f"Building {report.title}" if report.title else f"Building compliance report {report.pk}")[
                        :300
                    ],
                    params={"report": report.pk},
                    status=status,
                    progress=100 if status == "done" else (report.progress if status == "failed" else 0),
                    message=_message(status, report.error),
                    error=report.error if status == "failed" else "",
                    return_url=f"/reports/{report.pk}/",
                    return_label="See the report",
                    created_by_id=report.requested_by_id,
                    created_at=report.created_at,
                    started_at=report.started_at if status != "queued" else None,
                    finished_at=report.finished_at if status != "queued" else None,
                    attempts=1 if status != "queued" else 0,
                )
            )
        Job.objects.bulk_create(jobs)
        for report, job in zip(batch, jobs, strict=True):
            report.job_id = job.pk
        ComplianceReport.objects.bulk_update(batch, ["job"])


def jobs_to_reports(apps, schema_editor):
    ComplianceReport = apps.get_model("compliance", "ComplianceReport")
    Job = apps.get_model("governance", "Job")
    reports = list(ComplianceReport.objects.filter(job__isnull=False).select_related("job").order_by("pk"))
    for report in reports:
        job = report.job
        report.status, report.progress = job.status, job.progress
        report.error = job.error or (job.message if job.status == "failed" else "")
        report.started_at, report.finished_at = job.started_at, job.finished_at
    ComplianceReport.objects.bulk_update(
        reports, ["status", "progress", "error", "started_at", "finished_at"], batch_size=BATCH
    )
    job_ids = [report.job_id for report in reports]
    ComplianceReport.objects.update(job=None)
    Job.objects.filter(pk__in=job_ids, kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_manager_obligation_counts"),
        ("governance", "0025_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="compliancereport",
            name="job",
            field=models.ForeignKey(
                blank=True,
                help_text="The job that builds it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="governance.job",
            ),
        ),
        migrations.RunPython(reports_to_jobs, jobs_to_reports),
        migrations.RemoveConstraint(model_name="compliancereport", name="report_progress_percent"),
        migrations.RemoveField(model_name="compliancereport", name="error"),
        migrations.RemoveField(model_name="compliancereport", name="finished_at"),
        migrations.RemoveField(model_name="compliancereport", name="progress"),
        migrations.RemoveField(model_name="compliancereport", name="started_at"),
        migrations.RemoveField(model_name="compliancereport", name="status"),
    ]
