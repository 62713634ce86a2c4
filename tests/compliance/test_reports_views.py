import hashlib

import pytest
from django.urls import reverse

from compliance.models import ComplianceReport
from compliance.services.reports import build_report, create_report, request_report
from governance.models import Job
from tests.factories import ObligationFactory, report_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligations():
    return [ObligationFactory() for _ in range(3)]


@pytest.fixture
def done_report(obligations):
    return build_report(create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="x").pk)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def urls_for(report):
    return [
        reverse("reports:list"),
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "csv"]),
        reverse("reports:download", args=[report.pk, "pdf"]),
    ]


def test_employees_get_403_on_every_report_url(client, employee_user, done_report):
    client.force_login(employee_user)
    for url in urls_for(done_report):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:list")).status_code == 403
    assert ComplianceReport.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, done_report):
    for url in urls_for(done_report):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["officer", "admin_user"])
def test_officers_and_admins_see_the_list_with_download_links(request, client, role, done_report):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("reports:list"))

    assert response.status_code == 200
    assert reverse("reports:download", args=[done_report.pk, "pdf"]) in response.content.decode()


def test_starting_a_report_queues_its_job_builds_it_and_redirects_to_its_progress(
    officer_client, officer, obligations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("reports:list"), {"department": "", "platform": ""})

    report = ComplianceReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])
    assert report.requested_by == officer and report.trigger == "manual"
    assert Job.objects.get() == report.job and report.job.created_by == officer
    assert report.status == "done"
    page = officer_client.get(response["Location"]).content.decode()
    assert "Download PDF" in page and "hx-get" not in page
    assert report.job.message in page
    assert report.job.return_label not in page  # the job's way back leads to this very page


def test_starting_a_report_with_an_unknown_department_says_why(officer_client, obligations):
    response = officer_client.post(reverse("reports:list"), {"department": "999999"})

    assert response.status_code == 400
    assert "No such department" in response.content.decode()
    assert not ComplianceReport.objects.exists() and not Job.objects.exists()


def test_unfinished_report_polls_its_jobs_progress_partial_and_falls_back_to_refresh(officer_client, obligations):
    report = report_in_state(Job.Status.RUNNING, progress=40)
    Job.objects.filter(pk=report.job_id).update(step="Writing the CSV")

    page = officer_client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    progress_url = reverse("job-progress", args=[report.job_id]) + "?reload=1"
    partial = officer_client.get(progress_url, HTTP_HX_REQUEST="true")

    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh" content="2">' in page
    body = partial.content.decode()
    assert partial.status_code == 200 and 'value="40"' in body and "Writing the CSV" in body
    assert "<html" not in body and "HX-Refresh" not in partial


def test_the_polled_partial_reloads_the_report_page_once_its_job_is_finished(officer_client, done_report):
    partial = officer_client.get(reverse("job-progress", args=[done_report.job_id]) + "?reload=1")

    assert partial["HX-Refresh"] == "true" and "hx-get" not in partial.content.decode()
    page = officer_client.get(reverse("reports:detail", args=[done_report.pk])).content.decode()
    assert "hx-get" not in page and "Download CSV" in page


def test_the_reports_list_shows_the_progress_of_those_being_built(officer_client, done_report):
    building = report_in_state(Job.Status.RUNNING, progress=55, title="Being built now")

    page = officer_client.get(reverse("reports:list")).content.decode()

    assert page.count('hx-get="/jobs/') == 1
    assert f'hx-get="{reverse("job-progress", args=[building.job_id])}?reload=1"' in page
    assert 'value="55"' in page and "Being built now" in page


def test_failed_report_shows_what_happened(officer_client, obligations):
    report = report_in_state(Job.Status.FAILED, message="No such department.", error="")

    page = officer_client.get(reverse("reports:detail", args=[report.pk])).content.decode()

    assert '<p role="alert">No such department.</p>' in page and "Download" not in page


@pytest.mark.parametrize("kind, content_type", [("csv", "text/csv; charset=utf-8"), ("pdf", "application/pdf")])
def test_officer_downloads_the_files_with_their_hash(officer_client, done_report, kind, content_type):
    response = officer_client.get(reverse("reports:download", args=[done_report.pk, kind]))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert f"compliance-report-{done_report.pk}-whole-organization.{kind}" in response["Content-Disposition"]
    expected = done_report.csv_sha256 if kind == "csv" else done_report.pdf_sha256
    assert hashlib.sha256(body).hexdigest() == expected == response["X-Content-SHA256"]


def test_downloads_of_unfinished_reports_or_unknown_kinds_are_404(officer_client, done_report):
    queued = request_report(trigger=ComplianceReport.Trigger.MANUAL)

    assert officer_client.get(reverse("reports:download", args=[queued.pk, "csv"])).status_code == 404
    assert officer_client.get(reverse("reports:download", args=[done_report.pk, "xlsx"])).status_code == 404


def test_list_query_count_does_not_grow_with_reports(officer_client, obligations, django_assert_max_num_queries):
    for _ in range(3):
        request_report(trigger=ComplianceReport.Trigger.MANUAL)
    with django_assert_max_num_queries(12) as few:
        officer_client.get(reverse("reports:list"))
    for _ in range(20):
        request_report(trigger=ComplianceReport.Trigger.MANUAL)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(reverse("reports:list"))
