import io

import pytest
from django.utils import timezone

from attestations import ledger
from attestations.models import Attestation, Obligation, ObligationStatus, PolicyException
from demo import attestations as demo_attestations
from demo import people as demo_people
from people.models import Employee
from tests.attestations.builders import publish, tool_rules
from tests.factories import ObligationFactory

pytestmark = pytest.mark.django_db


def run(today):
    out = io.StringIO()
    demo_attestations.seed(today=today, stdout=out)
    return out.getvalue()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def organization(today):
    """The demo people plus what the policy demo makes: a published version and obligations."""
    demo_people.seed(today=today, stdout=io.StringIO())
    version, rules = tool_rules(tools=4, settings_per_tool=1)
    publish(version)
    for employee in Employee.objects.all():
        for rule in rules:
            ObligationFactory(employee=employee, rule=rule, policy_version=version)
    return version


def statuses(email):
    return sorted(Obligation.objects.filter(employee__email=email).values_list("status", flat=True))


def test_does_nothing_without_obligations(today):
    demo_people.seed(today=today, stdout=io.StringIO())
    assert "nothing to attest" in run(today)
    assert Attestation.objects.count() == 0


def test_makes_a_realistic_mix(organization, today):
    run(today)
    assert statuses("officer@demo.example") == ["compliant"] * 3 + ["not_used"]
    assert statuses("ben.sales@demo.example").count("noncompliant") == 1
    assert statuses("dev.cs@demo.example").count("excepted") == 1
    assert PolicyException.objects.get(employee__email="dev.cs@demo.example").status == "approved"
    overdue = Obligation.objects.overdue(today).values_list("employee__email", flat=True).distinct()
    assert {"sofia.apps@demo.example", "ana.sales@demo.example", "grace.fin@demo.example"} <= set(overdue)
    assert statuses("manager@demo.example").count("pending") == 2


def test_leaves_the_demo_employee_with_everything_to_do(organization, today):
    run(today)
    assert statuses("employee@demo.example") == ["pending"] * 4
    assert not Attestation.objects.filter(employee__email="employee@demo.example").exists()


def test_second_run_appends_nothing_and_the_chain_verifies(organization, today):
    run(today)
    records, head = Attestation.objects.count(), ledger.head_hash()
    run(today)
    assert (Attestation.objects.count(), ledger.head_hash()) == (records, head)
    assert ledger.verify_chain().ok
    assert Obligation.objects.filter(status=ObligationStatus.COMPLIANT).exists()
