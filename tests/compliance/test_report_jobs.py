"""A report's build is a job like the others (issue 17): starting a report writes the report and
its job together, the job builds it and holds its state, a failure leaves no files."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from compliance.models import ComplianceReport
from compliance.services import reports
from compliance.services.reports import build_report, create_report, request_report
from compliance.signals import report_ready
from governance import jobs
from governance.models import Job, OutboxMessage
from tests.factories import ObligationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligations():
    return [ObligationFactory() for _ in range(3)]


@pytest.fixture
def ready_signals():
    received = []

    def listener(sender, report, **kwargs):
        received.append((report.pk, report.status))

    report_ready.connect(listener)
    yield received
    report_ready.disconnect(listener)


def test_starting_a_report_writes_it_and_one_queued_job_of_the_report_kind(obligations, officer):
    report = request_report(requested_by=officer, trigger=ComplianceReport.Trigger.MANUAL)

    job = Job.objects.get()
    assert (job.kind, job.status, job.created_by) == ("compliance.report", "queued", officer)
    assert job.params == {"report": report.pk}
    assert ComplianceReport.objects.get().job == job
    assert OutboxMessage.objects.get().task == jobs.RUN_JOB and OutboxMessage.objects.get().args == [job.pk]
    assert job.return_url == reverse("reports:detail", args=[report.pk])
    assert report.status == "queued" and report.progress == 0 and report.started_at is None


def test_running_the_job_fills_the_report_and_marks_it_done_with_a_message(obligations, officer, ready_signals):
    report = request_report(requested_by=officer, trigger=ComplianceReport.Trigger.MANUAL)

    assert jobs.run_job(report.job_id) == "done"

    report = ComplianceReport.objects.select_related("job").get(pk=report.pk)
    job = report.job
    assert (job.status, job.progress, job.attempts) == ("done", 100, 1)
    assert job.message == "Report built: 3 CSV rows, the PDF and their SHA-256 hashes."
    assert job.result["csv_sha256"] == report.csv_sha256 != "" and job.result["pdf_sha256"] == report.pdf_sha256
    assert report.summary["csv_rows"] == 3 and report.csv_file and report.pdf_file
    assert report.status == "done" and report.started_at == job.started_at <= report.finished_at == job.finished_at
    assert ready_signals == [(report.pk, "done")]  # announced once the job is done


def test_a_second_delivery_or_a_retry_builds_the_report_once(obligations, ready_signals):
    report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test")
    jobs.run_job(report.job_id)
    first = ComplianceReport.objects.get(pk=report.pk)

    assert jobs.run_job(report.job_id) == "skipped"
    again = build_report(report.pk)

    assert Job.objects.count() == 1 and again.job.attempts == 1
    assert (again.csv_file.name, again.csv_sha256, again.as_of) == (first.csv_file.name, first.csv_sha256, first.as_of)
    assert len(ready_signals) == 1


def test_a_failing_build_fails_the_job_with_the_error_and_keeps_no_files(
    obligations, private_storage, monkeypatch, ready_signals
):
    saved = []
    real_save = reports._save

    def save_then_remember(field, path, name):
        real_save(field, path, name)
        saved.append(field.name)

    def broken_hash(path):
        raise ValueError("disk full")

    monkeypatch.setattr(reports, "_save", save_then_remember)
    monkeypatch.setattr(reports, "_sha256", broken_hash)
    report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test")

    assert jobs.run_job(report.job_id) == "failed"

    report = ComplianceReport.objects.select_related("job").get(pk=report.pk)
    assert report.job.status == "failed" and report.job.error == "ValueError: disk full"
    assert "unexpected error and changed nothing" in report.job.message
    assert report.status == "failed" and report.error == "ValueError: disk full"
    assert not report.csv_file and not report.pdf_file and report.csv_sha256 == "" and report.summary == {}
    assert len(saved) == 2 and not any(report.csv_file.storage.exists(name) for name in saved)
    assert ready_signals == []


def test_a_report_whose_filters_name_nothing_fails_in_words(obligations):
    report = ComplianceReport.objects.create(filters={"department": "999999"})

    report = build_report(report.pk)

    assert report.job.kind == "compliance.report" and report.job.status == "failed"
    assert "No such department" in report.job.message and "No such department" in report.error


def test_a_transient_error_puts_the_build_back_in_the_queue_with_nothing_recorded(obligations, monkeypatch):
    def lost_connection(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(reports, "compute_summary", lost_connection)
    report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test")

    with pytest.raises(OperationalError):
        jobs.run_job(report.job_id)

    report = ComplianceReport.objects.select_related("job").get(pk=report.pk)
    assert report.status == "queued" and report.error == "" and not report.csv_file
    monkeypatch.undo()
    assert jobs.run_job(report.job_id) == "done"


def test_a_failed_report_built_again_gets_a_new_job(obligations, monkeypatch):
    report = create_report(trigger=ComplianceReport.Trigger.MANUAL)
    monkeypatch.setattr(reports, "write_pdf", lambda *args, **kwargs: 1 / 0)
    failed = build_report(report.pk)
    monkeypatch.undo()

    rebuilt = build_report(report.pk)

    assert failed.status == "failed" and rebuilt.status == "done" and rebuilt.job_id != failed.job_id
    assert Job.objects.filter(kind="compliance.report").count() == 2


def test_the_build_job_page_is_for_officers_who_see_reports_not_employees(client, officer, employee_user, obligations):
    report = request_report(trigger=ComplianceReport.Trigger.SCHEDULE, requested_by_label="Weekly schedule")
    job_url = reverse("job", args=[report.job_id])

    client.force_login(employee_user)
    assert client.get(job_url).status_code == 403
    assert client.get(reverse("job-progress", args=[report.job_id])).status_code == 403
    client.force_login(officer)
    page = client.get(job_url)
    assert page.status_code == 200 and f"Building {report}" in page.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_committed_start_builds_the_report_in_one_snapshot_of_the_jobs_transaction(obligations, monkeypatch):
    from governance import db

    snapshots = []
    real = db.snapshot_this_transaction
    monkeypatch.setattr(db, "snapshot_this_transaction", lambda: snapshots.append(real()) or snapshots[-1])

    report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test")  # runs at once

    report = ComplianceReport.objects.select_related("job").get(pk=report.pk)
    assert report.status == "done" and report.summary["csv_rows"] == 3
    assert snapshots == [True]
