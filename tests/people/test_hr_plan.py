"""The HR batch's validation is pure: rows and what the database knows in, a plan out. These
tests run without database access (pytest-django refuses any query), so a check that starts
reading the database again fails here."""

import datetime

import pytest

from people.models import Employee
from people.services.hr.rows import Rows
from people.services.hr.validate import Known, make_plan
from tests.clock import noon_on

TODAY = datetime.date(2026, 11, 30)
NOW = noon_on(TODAY)  # the clock frozen for the module; TODAY is passed down where a function takes it

pytestmark = pytest.mark.time_machine(NOW, tick=True)


def known(*, employees=(), departments=(), paths=None):
    by_code = {
        code: {"id": pk, "code": code, "name": code.title(), "parent_id": parent} for code, pk, parent in departments
    }
    return Known(
        departments=by_code,
        code_by_id={row["id"]: code for code, row in by_code.items()},
        employees={e.external_id: e for e in employees},
        email_owner={e.email: e.external_id for e in employees},
        paths=paths,
    )


def plan(employee_rows=(), department_rows=(), knowledge=None, replace=False):
    return make_plan(
        Rows(enumerate(department_rows), "code", None),
        Rows(enumerate(employee_rows), "external_id", None),
        knowledge or known(),
        replace=replace,
        today=TODAY,
        raw_keys={},
    )


def person(external_id, **values):
    return {"external_id": external_id, "email": f"{external_id}@example.test", "full_name": external_id, **values}


def test_a_new_batch_with_its_own_departments_and_managers_plans_every_row():
    result = plan(
        employee_rows=[person("boss", department="eng"), person("dev", department="eng", manager="boss")],
        department_rows=[{"code": "eng", "name": "Engineering"}],
    )
    assert result.departments.errors == {} and result.employees.errors == {}
    assert set(result.valid_employees()) == {0, 1}
    assert result.finals[1]["manager"] == "boss" and result.finals[1]["department"] == "eng"


def test_refused_rows_refuse_the_rows_that_refer_to_them():
    result = plan(
        employee_rows=[
            person("boss", email=""),  # no address: refused
            person("dev", manager="boss"),  # its manager is refused
            person("ops", department="nowhere"),
        ],
        department_rows=[{"code": "sub", "name": "Sub", "parent": "ghost"}],
    )
    assert result.employees.errors[0] == {"email": ["This field is required."]}
    assert result.employees.errors[1] == {"manager": ["The manager 'boss' is refused in this batch."]}
    assert result.employees.errors[2] == {"department": ["Unknown department code 'nowhere'."]}
    assert result.departments.errors[0] == {"parent": ["Unknown department code 'ghost'."]}


def test_a_reporting_line_that_would_become_a_cycle_is_refused_through_records_left_as_they_are():
    a = Employee(pk=1, external_id="a", email="a@example.test", full_name="A", manager_id=None)
    b = Employee(pk=2, external_id="b", email="b@example.test", full_name="B", manager_id=1, reporting_path="/1/")
    # b reports to a in the database; the batch makes a report to b.
    result = plan(
        employee_rows=[{"external_id": "a", "manager": "b"}],
        knowledge=known(employees=[a, b], paths={1: "/", 2: "/1/"}),
    )
    assert result.employees.errors == {0: {"manager": ["This manager would make the reporting line a cycle."]}}


def test_a_department_tree_cycle_and_duplicates_are_refused():
    result = plan(
        department_rows=[
            {"code": "x", "name": "X", "parent": "y"},
            {"code": "y", "name": "Y", "parent": "x"},
            {"code": "d", "name": "D"},
            {"code": "d", "name": "D again"},
        ]
    )
    cycle = {"parent": ["This parent would make the department tree a cycle."]}
    assert result.departments.errors[0] == cycle and result.departments.errors[1] == cycle
    assert "appears more than once" in result.departments.errors[2]["code"][0]


def test_a_partial_update_keeps_what_the_row_leaves_out_and_a_termination_is_dated_today():
    current = Employee(
        pk=7, external_id="e7", email="e7@example.test", full_name="Seven", job_title="Engineer", department_id=3
    )
    knowledge = known(employees=[current], departments=[("eng", 3, None)])
    result = plan(employee_rows=[{"external_id": "e7", "status": "terminated"}], knowledge=knowledge)
    final = result.finals[0]
    assert final["job_title"] == "Engineer" and final["department"] == "eng"
    assert final["terminated_on"] == TODAY
    assert result.employees.errors == {}
