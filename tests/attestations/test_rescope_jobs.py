"""An HR change that touches many people brings their obligations in line in a job, which
commits with the change; the usual handful is done in the request (issue 17)."""

import pytest

from attestations import jobs as attestation_jobs
from attestations.models import Obligation
from governance.models import Job
from people.services.hr import upsert_people
from tests.attestations.builders import publish, tool_rules

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy():
    version, rules = tool_rules(tools=2)
    publish(version)
    return version


def hires(start, count):
    return [
        (i, {"external_id": f"E{n}", "email": f"e{n}@example.test", "full_name": f"Person {n}"})
        for i, n in enumerate(range(start, start + count))
    ]


def test_a_few_hires_get_their_obligations_in_the_request(policy, monkeypatch):
    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 3)
    upsert_people(employee_rows=hires(0, 3))
    assert not Job.objects.exists()
    assert Obligation.objects.open().count() == 6


def test_many_hires_get_theirs_in_a_job_that_commits_with_the_change(policy, monkeypatch):
    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 3)
    upsert_people(employee_rows=hires(0, 4))
    job = Job.objects.get()
    assert (job.kind, job.status, len(job.params["employee_ids"])) == ("attestations.rescope", "done", 4)
    assert job.result == {"created": 8, "closed": 0, "reopened": 0}
    assert "Obligations of 4 people brought in line: 8 opened" in job.message
    assert Obligation.objects.open().count() == 8
