"""The API's side of jobs (issue 17): an HR change that brings many people's obligations in line
answers 202 with the job's status URL, and the job's status is readable by who may see it."""

import pytest

from attestations import jobs as attestation_jobs
from governance.models import Job
from governance.roles import Role
from tests.attestations.builders import publish, tool_rules

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy(monkeypatch):
    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 3)
    version, _ = tool_rules(tools=2)
    return publish(version)


def hires(count, start=0):
    return {
        "employees": [
            {"external_id": f"J{n}", "email": f"j{n}@example.test", "full_name": f"Person {n}"}
            for n in range(start, start + count)
        ]
    }


def test_many_hires_answer_202_with_the_jobs_status_url(client_for, django_capture_on_commit_callbacks):
    hr = client_for("employees:write")
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post_json("/api/v1/employees/bulk/", hires(4))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["created"] == 4 and len(body["jobs"]) == 1
    job = body["jobs"][0]
    assert response["Location"] == job["url"] and job["url"].endswith(f"/api/v1/jobs/{job['id']}/")
    assert (job["kind"], job["status"]) == ("attestations.rescope", "queued")  # it runs after the commit

    status = hr.get(response["Location"])
    assert status.status_code == 200
    assert status.json()["status"] == "done" and status.json()["result"] == {"created": 8, "closed": 0, "reopened": 0}
    assert "Obligations of 4 people brought in line" in status.json()["message"]


def test_a_few_hires_answer_200_without_a_job(client_for):
    response = client_for("employees:write").post_json("/api/v1/employees/bulk/", hires(2))
    assert response.status_code == 200 and "jobs" not in response.json()
    assert not Job.objects.exists()


def test_a_jobs_status_is_for_the_kinds_keys_and_people(client_for, client, make_user):
    client_for("employees:write").post_json("/api/v1/employees/bulk/", hires(4))
    url = f"/api/v1/jobs/{Job.objects.get().pk}/"
    assert client_for("employees:read").get(url).status_code == 200
    assert client_for("reports:read", "compliance:read").get(url).status_code == 404  # as if it did not exist
    assert client_for("employees:read").get("/api/v1/jobs/999999/").status_code == 404
    client.force_login(make_user(Role.COMPLIANCE_OFFICER))
    assert client.get(url).status_code == 200
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (401, 403)
