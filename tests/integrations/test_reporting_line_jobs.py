"""A manager change through the REST API or SCIM: the records are written in the request, the
reporting line of a large team follows in a job the answer points at (REST: 202, Location, jobs;
SCIM: its standard 200 with the User, the job readable at /api/v1/jobs/<id>/)."""

import pytest

from governance import jobs
from governance.models import Job
from integrations.scim.schemas import ENTERPRISE_USER, PATCH_OP
from people import jobs as people_jobs
from people.models import Employee
from tests.factories import EmployeeFactory
from tests.integrations.scim import sent
from tests.people.test_reporting_paths import rebuilt_paths, stored_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(monkeypatch):
    """A manager with 4 reports (their lead and 3 engineers), above a threshold of 3."""
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 3)
    ceo, other = EmployeeFactory(external_id="CEO"), EmployeeFactory(external_id="OTHER")
    vp = EmployeeFactory(external_id="VP", manager=ceo)
    lead = EmployeeFactory(external_id="LEAD", manager=vp)
    for i in range(3):
        EmployeeFactory(external_id=f"ENG{i}", manager=lead)
    return {"vp": vp, "lead": lead, "other": other}


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_large_move_answers_202_with_the_job_and_its_status_url(api, line, method):
    body = {"manager": "OTHER"}
    if method == "put":
        vp = line["vp"]
        body.update(email=vp.email, full_name=vp.full_name, department=vp.department.code)
    response = getattr(api, f"{method}_json")("/api/v1/employees/VP/", body)

    assert response.status_code == 202, response.content
    data = response.json()
    job = Job.objects.get(kind=people_jobs.REWRITE)
    assert data["manager"] == "OTHER" and data["external_id"] == "VP"
    assert [j["id"] for j in data["jobs"]] == [job.pk]
    assert response["Location"] == data["jobs"][0]["url"]
    assert api.get(response["Location"]).json()["status"] == "queued"

    jobs.run_job(job.pk)
    assert stored_paths() == rebuilt_paths()


def test_a_team_move_answers_200_and_is_done(api, line):
    response = api.patch_json("/api/v1/employees/LEAD/", {"manager": "OTHER"})
    assert response.status_code == 200 and "jobs" not in response.json()
    assert not Job.objects.exists()
    assert stored_paths() == rebuilt_paths()


def test_a_create_under_a_manager_answers_201(api, line):
    body = {"external_id": "NEW", "email": "new@example.test", "full_name": "New Hire", "manager": "LEAD"}
    response = api.post_json("/api/v1/employees/", body)
    assert response.status_code == 201 and "jobs" not in response.json()
    assert Employee.objects.get(external_id="NEW").reporting_path == line["lead"].subtree_prefix


def test_a_scim_manager_change_keeps_the_standard_answer_and_leaves_the_line_to_a_job(scim, line):
    vp = line["vp"]
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": f"{ENTERPRISE_USER}:manager", "value": {"value": "OTHER"}}],
    }
    updated = sent(scim, "patch", f"/scim/v2/Users/{vp.pk}", body)

    assert updated["id"] == str(vp.pk) and "jobs" not in updated
    assert Employee.objects.get(pk=vp.pk).manager == line["other"]
    job = Job.objects.get(kind=people_jobs.REWRITE)
    assert scim.get(f"/api/v1/jobs/{job.pk}/").status_code == 200  # the SCIM key may follow it
    jobs.run_job(job.pk)
    assert stored_paths() == rebuilt_paths()


# --- Department moves: the people of the moved subtree get what their new place's rules say.


@pytest.fixture
def scoped(monkeypatch):
    """A policy with a tool for the Engineering department (sub-departments included), and a
    Platform department of 4 people outside it, with a sub-department of its own."""
    from attestations import jobs as attestation_jobs
    from tests.attestations.builders import publish, tool_rules
    from tests.factories import DepartmentFactory

    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 3)
    engineering = DepartmentFactory(code="ENG")
    platform = DepartmentFactory(code="PLAT")
    infra = DepartmentFactory(code="INFRA", parent=platform)
    version, rules = tool_rules(tools=1)
    rule = rules[0]
    rule.departments.set([engineering])
    publish(version)
    return {"platform": platform, "infra": infra, "people": [platform, platform, infra, infra]}


def _staff(scoped, count):
    return [EmployeeFactory(department=department) for department in scoped["people"][:count]]


def test_a_small_department_move_brings_its_peoples_obligations_in_line_in_the_request(api, scoped):
    from attestations.models import Obligation

    people = _staff(scoped, 3)
    assert not Obligation.objects.open().exists()
    response = api.put_json("/api/v1/departments/PLAT/", {"name": "Platform", "parent": "ENG"})
    assert response.status_code == 200 and "jobs" not in response.json()
    assert set(Obligation.objects.open().values_list("employee_id", flat=True)) == {p.pk for p in people}
    assert not Job.objects.exists()


def test_a_large_department_move_answers_202_and_its_job_opens_the_obligations(api, scoped):
    from attestations import jobs as attestation_jobs
    from attestations.models import Obligation

    people = _staff(scoped, 4)
    response = api.put_json("/api/v1/departments/PLAT/", {"name": "Platform", "parent": "ENG"})

    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert job.kind == attestation_jobs.RESCOPE_DEPARTMENTS and job.params["department_ids"] == [scoped["platform"].pk]
    assert response["Location"] == response.json()["jobs"][0]["url"]
    assert not Obligation.objects.open().exists()  # left to the job

    assert jobs.run_job(job.pk) == "done"
    assert set(Obligation.objects.open().values_list("employee_id", flat=True)) == {p.pk for p in people}
    job.refresh_from_db()
    assert job.result["people"] == 4 and job.result["created"] == 4


def test_moving_a_department_with_the_service_rescopes_too(scoped):
    from attestations.models import Obligation
    from people.models import Department
    from people.services.paths import move_department

    people = _staff(scoped, 2)
    move_department(department=scoped["platform"], parent=Department.objects.get(code="ENG"))
    assert Obligation.objects.open().count() == len(people)
