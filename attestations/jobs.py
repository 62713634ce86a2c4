"""The attestations' jobs: publishing and retiring a policy version write obligations for the
whole organization, so they run in a worker (governance.jobs) and the admin watches them."""

import datetime
import uuid
from typing import Any

from attestations.services import obligations, publishing
from governance import jobs
from governance.jobs import JobOutcome
from governance.roles import is_compliance_officer, is_governance_admin
from policies.models import PolicyVersion

PUBLISH = "attestations.publish"
RETIRE = "attestations.retire"
RESCOPE = "attestations.rescope"
RESCOPE_DEPARTMENTS = "attestations.rescope_departments"
REOPEN = "attestations.reopen_for_setting"
# Every one of them rewrites obligations in one transaction, holding each row it changes to its
# end (a signature on such a row is told at once: attestations.services.attest).
REWRITING_OBLIGATIONS = (PUBLISH, RETIRE, RESCOPE, RESCOPE_DEPARTMENTS, REOPEN)
# An HR or SCIM change touching more people than this brings their obligations in line in a
# job; a handful (the usual hire, move or leaver) is done in the request itself. The same for a
# catalog revision that re-opens more obligations than this.
RESCOPE_IN_REQUEST = 200
REOPEN_IN_REQUEST = 200


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


@jobs.register(RESCOPE, can_view=is_compliance_officer, api_scopes=("employees:read", "employees:write"))
def rescope(*, job: Any, progress: Any, actor: Any, employee_ids: list[int], today: str) -> JobOutcome:
    return _rescoped(employee_ids, who=f"{len(employee_ids)} people", actor=actor, today=today, progress=progress)


def _rescoped(employee_ids: list[int], *, who: str, actor: Any, today: str, progress: Any) -> JobOutcome:
    """Bring these people's obligations in line; the outcome says with how many changes."""
    counts = obligations.rescope_employees(
        employee_ids=employee_ids, actor=actor, today=datetime.date.fromisoformat(today), progress=progress
    )
    return JobOutcome(
        message=(
            f"Obligations of {who} brought in line: {counts['created']} opened, "
            f"{counts['closed']} closed, {counts['reopened']} re-opened."
        ),
        result=counts,
    )


def start_rescope(*, employee_ids: list[int], actor: Any, today: datetime.date):
    return jobs.start(
        kind=RESCOPE,
        key=f"rescope:{uuid.uuid4().hex}",
        title=f"Updating the obligations of {len(employee_ids)} people after an HR change",
        params={"employee_ids": sorted(employee_ids), "today": today.isoformat()},
        actor=actor,
    )


@jobs.register(RESCOPE_DEPARTMENTS, can_view=is_compliance_officer, api_scopes=("employees:read", "employees:write"))
def rescope_departments(*, job: Any, progress: Any, actor: Any, department_ids: list[int], today: str) -> JobOutcome:
    from people.selectors import employees_under

    employee_ids = list(employees_under(department_ids=department_ids).values_list("pk", flat=True))
    who = f"the {len(employee_ids)} people of the moved departments"
    outcome = _rescoped(employee_ids, who=who, actor=actor, today=today, progress=progress)
    outcome.result["people"] = len(employee_ids)  # looked up when the job ran
    return outcome


def start_rescope_departments(*, department_ids: list[int], people: int, actor: Any, today: datetime.date):
    """The people are looked up when the job runs (from the departments' paths then), not here."""
    return jobs.start(
        kind=RESCOPE_DEPARTMENTS,
        key=f"departments:{uuid.uuid4().hex}",
        title=f"Updating the obligations of about {people} people after a department move",
        params={"department_ids": sorted(department_ids), "today": today.isoformat()},
        actor=actor,
    )


@jobs.register(REOPEN, can_view=is_governance_admin)
def reopen(*, job: Any, progress: Any, actor: Any, setting: int, revision: int, today: str) -> JobOutcome:
    from platforms.models import PlatformSetting

    catalog_setting = PlatformSetting.objects.select_related("platform").get(pk=setting)
    reopened = obligations.reopen_for_setting(
        setting=catalog_setting, actor=actor, today=datetime.date.fromisoformat(today)
    )
    return JobOutcome(
        message=f"{reopened} attestations of “{catalog_setting.label}” re-opened; people must check it again.",
        result={"reopened": reopened, "revision": revision},
    )


def start_reopen(*, setting: Any, revision: int, actor: Any, today: datetime.date):
    return jobs.start(
        kind=REOPEN,
        key=f"setting:{setting.pk}:revision:{revision}",
        title=f"Re-opening the attestations of {setting.platform.name}'s “{setting.label}”",
        params={"setting": setting.pk, "revision": revision, "today": today.isoformat()},
        actor=actor,
    )


def start_publish(*, version: PolicyVersion, actor: Any, today: datetime.date, return_url: str):
    return jobs.start(
        kind=PUBLISH,
        key=f"version:{version.pk}",
        title=f"Publishing {version.policy.name} version {version.number}",
        params={"version": version.pk, "today": today.isoformat()},
        actor=actor,
        return_url=return_url,
        return_label=f"See version {version.number}",
    )


def start_retire(*, version: PolicyVersion, actor: Any, return_url: str):
    return jobs.start(
        kind=RETIRE,
        key=f"version:{version.pk}",
        title=f"Retiring {version.policy.name} version {version.number}",
        params={"version": version.pk},
        actor=actor,
        return_url=return_url,
        return_label=f"See version {version.number}",
    )
