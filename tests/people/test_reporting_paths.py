"""Reporting paths follow HR writes incrementally (issue 17): a write computes the paths of the
people it names and moves their reports by prefix, in the request for a team and in a job
(people.reporting_paths) for more; the job leaves every path as a full rebuild would."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import jobs
from governance.models import Job
from people import jobs as people_jobs
from people.models import Employee
from people.services import paths
from people.services.hr import upsert_people
from tests.clock import noon_on
from tests.factories import EmployeeFactory

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def row(external_id, manager=None, **values):
    data = {"external_id": external_id, "email": f"{external_id.lower()}@example.test", "full_name": external_id}
    if manager is not None or "manager" in values:
        data["manager"] = manager
    values.pop("manager", None)
    return {**data, **values}


def write(*rows):
    with jobs.collect_started() as started:
        outcome = upsert_people(employee_rows=list(enumerate(rows)))
    return outcome, list(started)


def stored_paths():
    return dict(Employee.objects.values_list("pk", "reporting_path"))


def rebuilt_paths():
    """Every path as recompute_reporting_paths would leave it (from the managers alone)."""
    managers = dict(Employee.objects.values_list("pk", "manager_id"))
    computed = paths.compute_paths(managers)
    return {pk: computed[manager] if manager else "/" for pk, manager in managers.items()}


def org(*, reports_under_vp):
    """CEO <- VP <- lead <- (reports_under_vp - 1) engineers, and a second top CEO2."""
    write(
        row("CEO"),
        row("CEO2"),
        row("VP", "CEO"),
        row("LEAD", "VP"),
        *(row(f"ENG{i}", "LEAD") for i in range(reports_under_vp - 1)),
    )
    assert stored_paths() == rebuilt_paths()
    return {e.external_id: e for e in Employee.objects.all()}


def test_a_chain_created_within_one_batch_gets_its_paths_whatever_the_row_order():
    outcome, started = write(row("C", "B"), row("B", "A"), row("A"), row("D", "C"))
    assert outcome.employees.created == 4 and not started
    ids = outcome.employees.ids
    assert Employee.objects.get(pk=ids["D"]).reporting_path == f"/{ids['A']}/{ids['B']}/{ids['C']}/"
    assert stored_paths() == rebuilt_paths()


def test_a_new_chain_under_an_existing_manager_hangs_under_the_managers_path():
    people = org(reports_under_vp=3)
    outcome, _ = write(row("N2", "N1"), row("N1", "LEAD"))
    lead = people["LEAD"]
    assert (
        Employee.objects.get(external_id="N2").reporting_path == f"{lead.subtree_prefix}{outcome.employees.ids['N1']}/"
    )
    assert stored_paths() == rebuilt_paths()


def test_a_cycle_inside_a_batch_is_refused_with_a_clear_error_and_nothing_is_written():
    org(reports_under_vp=2)
    before = stored_paths()
    # X and Y are new and manage each other; VP would report to Z, a new report of LEAD (VP's own report).
    outcome, started = write(row("X", "Y"), row("Y", "X"), row("Z", "LEAD"), row("VP", "Z"))
    cycle = ["This manager would make the reporting line a cycle."]
    refused = {error["id"]: error["errors"] for error in outcome.employees.errors}
    assert refused == {name: {"manager": cycle} for name in ("X", "Y", "Z", "VP")}  # Z -> LEAD -> VP -> Z
    assert not Employee.objects.filter(external_id__in=["X", "Y", "Z"]).exists()
    assert stored_paths() == before
    assert Employee.objects.get(external_id="VP").manager.external_id == "CEO"
    assert not started


def test_a_cycle_through_people_the_batch_leaves_as_they_are_is_refused():
    org(reports_under_vp=3)
    outcome, _ = write(row("CEO", "ENG1"))  # ENG1 reports to LEAD, who reports to VP, who reports to CEO
    assert outcome.employees.errors[0]["errors"] == {"manager": ["This manager would make the reporting line a cycle."]}
    assert Employee.objects.get(external_id="CEO").manager is None


def test_a_team_move_rewrites_its_reports_in_the_request():
    org(reports_under_vp=5)
    _, started = write(row("VP", "CEO2"))
    assert not started
    assert stored_paths() == rebuilt_paths()


def test_moving_people_of_one_line_in_one_batch_leaves_every_path_right():
    org(reports_under_vp=5)
    # The lead moves to the other CEO, the VP under one of the lead's engineers, and a new hire
    # joins the lead: the batch's rows depend on each other in both directions.
    _, started = write(row("LEAD", "CEO2"), row("VP", "ENG0"), row("NEW", "VP"))
    assert not started
    assert stored_paths() == rebuilt_paths()


def test_a_move_above_the_threshold_starts_one_job_and_leaves_the_reports_to_it(monkeypatch):
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 5)
    people = org(reports_under_vp=8)
    before = stored_paths()

    _, started = write(row("VP", "CEO2"))

    assert [job.kind for job in started] == [people_jobs.REWRITE]
    job = started[0]
    assert job.status == Job.Status.QUEUED and job.params == {"employee_ids": [people["VP"].pk], "reports": 8}
    now = stored_paths()
    assert now[people["VP"].pk] == f"/{people['CEO2'].pk}/"
    assert {pk: p for pk, p in now.items() if pk != people["VP"].pk} == {
        pk: p for pk, p in before.items() if pk != people["VP"].pk
    }, "the reports wait for the job"

    assert jobs.run_job(job.pk) == "done"

    job.refresh_from_db()
    assert job.result == {"moved": 1, "paths_rewritten": 8}
    assert stored_paths() == rebuilt_paths()
    assert paths.recompute_reporting_paths() == 0


def test_a_retry_of_the_job_changes_nothing(monkeypatch):
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 2)
    org(reports_under_vp=6)
    _, (job,) = write(row("VP", "CEO2"))
    jobs.run_job(job.pk)
    after = stored_paths()

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # delivered again
    assert jobs.run_job(job.pk) == "done"

    job.refresh_from_db()
    assert job.result["paths_rewritten"] == 0
    assert stored_paths() == after == rebuilt_paths()


def test_jobs_of_two_moves_of_the_same_line_run_in_any_order_and_leave_it_right(monkeypatch):
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 2)
    org(reports_under_vp=6)
    _, (first,) = write(row("VP", "CEO2"))
    _, (second,) = write(row("LEAD", "CEO"))  # while the first job waits: LEAD's reports are still stale
    # The VP under one of the lead's engineers, whose stored path still says it reports to the VP:
    # no cycle (the engineer is under LEAD, now under CEO), and the VP has no reports left.
    outcome, started = write(row("VP", "ENG1"))
    assert not outcome.employees.errors and not started
    assert first.pk != second.pk

    for job in (second, first):
        assert jobs.run_job(job.pk) == "done"

    assert stored_paths() == rebuilt_paths()


def test_set_manager_follows_the_same_rule(monkeypatch):
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 3)
    people = org(reports_under_vp=4)
    with jobs.collect_started() as started:
        paths.set_manager(employee=people["LEAD"], manager=people["CEO2"])  # 3 reports: in the request
    assert not started and stored_paths() == rebuilt_paths()

    with jobs.collect_started() as started:
        paths.set_manager(employee=people["VP"], manager=people["CEO2"])  # 0 reports now: LEAD left
    assert not started

    with jobs.collect_started() as started:
        paths.set_manager(employee=people["CEO2"], manager=people["CEO"])  # VP, LEAD and 3 engineers
    assert [job.kind for job in started] == [people_jobs.REWRITE]
    jobs.run_job(started[0].pk)
    assert stored_paths() == rebuilt_paths()


def _reads_of_employees():
    """Rows of the employee table read so far in this transaction (PostgreSQL's counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_returned(%s::regclass) + pg_stat_get_xact_tuples_fetched(%s::regclass)",
            [Employee._meta.db_table, Employee._meta.db_table],
        )
        return cursor.fetchone()[0]


def _one_person_changes(n, serial):
    EmployeeFactory.create_batch(n - Employee.objects.count())
    boss = EmployeeFactory(external_id=f"BOSS{serial}")
    person = EmployeeFactory(external_id=f"P{serial}")
    measured = {}
    for name, change in (
        ("new manager", row(person.external_id, boss.external_id)),
        ("new title", {"external_id": person.external_id, "job_title": f"Title {serial}"}),
        ("new hire under the boss", row(f"H{serial}", boss.external_id)),
    ):
        reads = _reads_of_employees()
        with CaptureQueriesContext(connection) as queries:
            outcome, started = write(change)
        assert not outcome.employees.errors and not started
        measured[name] = (len(queries), _reads_of_employees() - reads)
    return measured


@pytest.mark.postgres
def test_a_one_person_change_runs_the_same_queries_and_reads_the_same_rows_for_10_and_1000_people():
    small = _one_person_changes(10, 1)
    large = _one_person_changes(1000, 2)
    assert Employee.objects.count() >= 1000
    assert {name: queries for name, (queries, _) in large.items()} == {
        name: queries for name, (queries, _) in small.items()
    }
    # Index lookups of the people named (a small table is read whole by the planner instead).
    assert all(reads <= 20 for _, reads in large.values()), large
    assert stored_paths() == rebuilt_paths()
