"""The people app's jobs: when a manager change moves many people's reporting line, their
paths follow in a worker (governance.jobs), committed with the change."""

import uuid
from typing import Any

from governance import jobs
from governance.jobs import JobOutcome
from governance.roles import is_governance_admin
from people.services import paths

REWRITE = "people.reporting_paths"
# A manager change whose reports are more than this many people rewrites their reporting paths
# in a job; a team (the usual move) is rewritten in the request itself.
REWRITE_IN_REQUEST = 200


@jobs.register(REWRITE, can_view=is_governance_admin, api_scopes=("employees:read", "employees:write"))
def rewrite(*, job: Any, progress: Any, actor: Any, employee_ids: list[int], reports: int = 0) -> JobOutcome:
    written = paths.rewrite_subtrees(employee_ids=employee_ids, progress=progress)
    return JobOutcome(
        message=f"Reporting line brought in line under {len(employee_ids)} moved people: {written} paths rewritten.",
        result={"moved": len(employee_ids), "paths_rewritten": written},
    )


def start_rewrite(*, employee_ids: list[int], reports: int, actor: Any, return_url: str = "", return_label: str = ""):
    """Queue the rewrite of the reports of ``employee_ids`` (about ``reports`` people). Each
    move gets its own job: a later move of the same person is another job, and either run
    leaves the paths right (people.services.paths.rewrite_subtrees)."""
    return jobs.start(
        kind=REWRITE,
        key=f"reporting:{uuid.uuid4().hex}",
        title=f"Updating the reporting line of {reports} people after a manager change",
        params={"employee_ids": sorted(employee_ids), "reports": reports},
        actor=actor,
        return_url=return_url,
        return_label=return_label,
    )
