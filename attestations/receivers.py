"""What the attestations app does when the apps below it change something."""

from typing import Any

from django.utils import timezone

from attestations import jobs
from attestations.selectors.obligations import revision_impact
from attestations.services.obligations import reopen_for_setting, rescope_employees


def reopen_on_setting_revision(
    sender: Any, setting: Any, old_revision: int, new_revision: int, actor: Any = None, **kwargs: Any
) -> None:
    """A catalog setting's meaningful revision re-opens the obligations that require it: in a
    job (committed with the revision) when they are many."""
    if new_revision <= old_revision:
        return
    if revision_impact(setting).obligations > jobs.REOPEN_IN_REQUEST:
        jobs.start_reopen(setting=setting, revision=new_revision, actor=actor, today=timezone.localdate())
    else:
        reopen_for_setting(setting=setting, actor=actor)


def rescope_changed_employees(sender: Any, employee_ids: list[int], actor: Any = None, **kwargs: Any) -> None:
    """HR changed some people: open what now applies to them, close what no longer does; in a
    job when they are many (it commits with the HR change and runs right after it)."""
    ids = list(employee_ids)
    if len(ids) > jobs.RESCOPE_IN_REQUEST:
        jobs.start_rescope(employee_ids=ids, actor=actor, today=timezone.localdate())
    else:
        rescope_employees(employee_ids=ids, actor=actor)


def rescope_moved_departments(sender: Any, department_ids: list[int], actor: Any = None, **kwargs: Any) -> None:
    """Departments moved in the tree: a rule for a department covers its sub-departments, so the
    people of the moved subtrees may gain or lose obligations; in a job when they are many (one
    count decides, the people are read only when few)."""
    from people.selectors import employees_under

    people = employees_under(department_ids=list(department_ids))
    count = people.count()
    if count > jobs.RESCOPE_IN_REQUEST:
        jobs.start_rescope_departments(
            department_ids=list(department_ids), people=count, actor=actor, today=timezone.localdate()
        )
    elif count:
        rescope_employees(employee_ids=list(people.values_list("pk", flat=True)), actor=actor)


def connect() -> None:
    from people.signals import departments_moved, employees_changed
    from platforms import impact
    from platforms.signals import setting_revised

    impact.register(revision_impact)

    setting_revised.connect(reopen_on_setting_revision, dispatch_uid="attestations.reopen_on_setting_revision")
    employees_changed.connect(rescope_changed_employees, dispatch_uid="attestations.rescope_changed_employees")
    departments_moved.connect(rescope_moved_departments, dispatch_uid="attestations.rescope_moved_departments")
