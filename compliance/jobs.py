"""The compliance jobs: building a report reads every obligation of what it covers, so it runs
in a worker (governance.jobs) and officers watch it on the report's page or the job's."""

from typing import Any

from compliance.services import reports
from governance import jobs
from governance.jobs import JobOutcome
from governance.roles import is_compliance_officer

BUILD_REPORT = reports.BUILD_REPORT


@jobs.register(BUILD_REPORT, can_view=is_compliance_officer, api_scopes=("reports:read", "reports:write"))
def build_report(*, job: Any, progress: Any, actor: Any, report: int) -> JobOutcome:
    built, fresh = reports.build_in_job(report_id=report, progress=progress)
    if not fresh:
        return JobOutcome(message=f"{built} was built already.", result={"report": built.pk})
    rows = built.summary["csv_rows"]
    return JobOutcome(
        message=f"Report built: {rows} CSV row{'s' if rows != 1 else ''}, the PDF and their SHA-256 hashes.",
        result={
            "report": built.pk,
            "csv_rows": rows,
            "csv_sha256": built.csv_sha256,
            "pdf_sha256": built.pdf_sha256,
            "ledger_head_hash": built.ledger_head_hash,
            "ledger_checkpoint": built.ledger_checkpoint_id,
        },
        then=lambda: reports.announce_ready(built.pk),
    )
