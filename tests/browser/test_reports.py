import pytest

from compliance.models import ComplianceReport
from governance import jobs
from tests.factories import ObligationFactory, report_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def obligations():
    return [ObligationFactory() for _ in range(4)]


def test_officer_starts_a_report_sees_it_finish_and_downloads_pdf_and_csv(
    page, sign_in, officer, obligations, artifacts_dir
):
    sign_in(officer.email, password=PASSWORD)
    page.goto("/reports/")
    page.get_by_role("button", name="Start report").click()

    page.get_by_role("heading", name="Status").wait_for()
    page.get_by_role("link", name="Download PDF").wait_for(timeout=10_000)
    assert page.get_by_text("Done", exact=True).is_visible()
    assert page.get_by_text("Report built: 4 CSV rows").is_visible()  # the build job's message

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = artifacts_dir / "browser-report.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download CSV").click()
    csv_path = artifacts_dir / "browser-report.csv"
    csv_download.value.save_as(csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for spreadsheet programs
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("employee_id,employee_name") and len(lines) == 1 + len(obligations)


def test_progress_updates_live_while_the_report_is_built(page, sign_in, officer, obligations):
    report = report_in_state(ComplianceReport.Status.QUEUED, requested_by_label="worker")  # its job waits
    sign_in(officer.email, password=PASSWORD)
    page.goto(f"/reports/{report.pk}/")
    assert page.get_by_text("Queued", exact=True).is_visible()

    jobs.run_job(report.job_id)  # what the worker does; the open page polls and shows the result

    page.get_by_role("link", name="Download PDF").wait_for(timeout=10_000)
    assert page.get_by_text("Done", exact=True).is_visible()
    assert page.url.endswith(f"/reports/{report.pk}/")
