"""The compliance jobs: building a report reads every obligation of what it covers, and an
evidence package every ledger record of its period, so they run in a worker (governance.jobs)
and officers watch them on the report's page or the job's."""

from typing import Any

from compliance.services import evidence, reports
from compliance.services.evidence.verify import counted
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


@jobs.register(evidence.EXPORT_EVIDENCE, can_view=is_compliance_officer)
def export_evidence(*, job: Any, progress: Any, actor: Any, **params: Any) -> JobOutcome:
    """The evidence package of ``job.params`` (compliance.services.evidence), kept in the
    private storage. A retry or second delivery runs it whole again or finds it done."""
    result = evidence.export_in_job(job=job, progress=progress)
    built = list(result["built_reports"])

    def announce() -> None:
        for report_id in built:
            reports.announce_ready(report_id)

    return JobOutcome(
        message=(
            f"Evidence package ready: {counted(result['members'], 'file')}, "
            f"{counted(result['records'], 'ledger record')}, {counted(result['checkpoints'], 'signed checkpoint')}; "
            f"SHA-256 {result['sha256']}."
        ),
        result=result,
        then=announce,
    )
