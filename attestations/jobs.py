"""The attestations' jobs: publishing and retiring a policy version write obligations for the
whole organization, so they run in a worker (governance.jobs) and the admin watches them."""

import datetime
from typing import Any

from attestations.services import publishing
from governance import jobs
from governance.jobs import JobOutcome
from governance.roles import is_governance_admin
from policies.models import PolicyVersion

PUBLISH = "attestations.publish"
RETIRE = "attestations.retire"


def _version(pk: int) -> PolicyVersion:
    return PolicyVersion.objects.select_related("policy").get(pk=pk)


@jobs.register(PUBLISH, can_view=is_governance_admin)
def publish(*, job: Any, progress: Any, actor: Any, version: int, today: str) -> JobOutcome:
    policy_version = _version(version)
    counts = publishing.publish_policy_version(
        version=policy_version, actor=actor, today=datetime.date.fromisoformat(today), progress=progress
    )
    closed = counts["obligations_superseded"] + counts["obligations_out_of_scope"]
    return JobOutcome(
        message=(
            f"Version {policy_version.number} published: {counts['obligations_created']} obligations opened, "
            f"{closed} closed, {counts['rules_carried_over']} rules carried over with their obligations unchanged."
        ),
        result=counts,
    )


@jobs.register(RETIRE, can_view=is_governance_admin)
def retire(*, job: Any, progress: Any, actor: Any, version: int) -> JobOutcome:
    policy_version = _version(version)
    closed = publishing.retire_policy_version(version=policy_version, actor=actor)
    return JobOutcome(
        message=f"Version {policy_version.number} retired; {closed} open obligations closed.",
        result={"obligations_closed": closed},
    )


def start_publish(*, version: PolicyVersion, actor: Any, today: datetime.date, return_url: str):
    return jobs.start(
        kind=PUBLISH,
        key=f"version:{version.pk}",
        title=f"Publishing {version.policy.name} version {version.number}",
        params={"version": version.pk, "today": today.isoformat()},
        actor=actor,
        return_url=return_url,
    )


def start_retire(*, version: PolicyVersion, actor: Any, return_url: str):
    return jobs.start(
        kind=RETIRE,
        key=f"version:{version.pk}",
        title=f"Retiring {version.policy.name} version {version.number}",
        params={"version": version.pk},
        actor=actor,
        return_url=return_url,
    )
