"""An organization for the trust page: one published policy with two approved tools, a
restricted one and a prohibited one, people in every state, a few of them customer-data handlers."""

import datetime
import itertools

import pytest
from django.utils import timezone

from attestations.models import ObligationStatus
from attestations.services.checkpoints import checkpoint_ledger
from policies.models import ToolRule
from tests.attestations.builders import new_version, publish
from tests.factories import DepartmentFactory, EmployeeFactory, ObligationFactory, PlatformFactory, ToolRuleFactory
from trust.models import TrustSettings

# (status on tool A, status on tool B, handles customer data), one row per person.
PEOPLE = [
    *[(ObligationStatus.COMPLIANT, ObligationStatus.COMPLIANT, True)] * 7,
    *[(ObligationStatus.COMPLIANT, ObligationStatus.PENDING, True)] * 3,
    *[(ObligationStatus.NOT_USED, ObligationStatus.EXCEPTED, True)] * 2,
    *[(ObligationStatus.NONCOMPLIANT, ObligationStatus.COMPLIANT, False)] * 4,
    *[(ObligationStatus.PENDING, ObligationStatus.PENDING, False)] * 6,
]


@pytest.fixture
def trust_org(db):
    """The organization above; the restricted tool's obligations only for three people (a group
    below any sensible minimum). Returns the rules by name."""
    version = new_version(title="AI acceptable use", effective_on=timezone.localdate() - datetime.timedelta(days=30))
    rules = {
        "a": ToolRuleFactory(version=version, platform=PlatformFactory(name="Alpha Chat", slug="alpha-chat")),
        "b": ToolRuleFactory(version=version, platform=PlatformFactory(name="Beta Code", slug="beta-code")),
        "r": ToolRuleFactory(
            version=version,
            platform=PlatformFactory(name="Rho Notes", slug="rho-notes"),
            stance=ToolRule.Stance.RESTRICTED,
        ),
        "p": ToolRuleFactory(
            version=version,
            platform=PlatformFactory(name="Pi Social", slug="pi-social"),
            stance=ToolRule.Stance.PROHIBITED,
        ),
    }
    publish(version)
    department = DepartmentFactory(code="ALL", name="Everyone")
    today = timezone.localdate()
    serial = itertools.count()
    for n, (on_a, on_b, handler) in enumerate(PEOPLE):
        person = EmployeeFactory(department=department, handles_customer_data=handler)
        for rule, status in (("a", on_a), ("b", on_b), *((("r", ObligationStatus.COMPLIANT),) if n < 3 else ())):
            ObligationFactory(
                employee=person,
                rule=rules[rule],
                policy_version=version,
                platform=rules[rule].platform,
                department=department,
                status=status,
                due_on=today + datetime.timedelta(days=next(serial) % 20 - 5),
                opened_at=timezone.now() - datetime.timedelta(days=40),
            )
    return {"version": version, "rules": rules}


@pytest.fixture
def trust_on(db):
    """The trust page switched on, with the default minimum group size."""
    return TrustSettings.objects.create(pk=1, enabled=True, organization_name="Example Corp")


@pytest.fixture
def checkpoint(db):
    return checkpoint_ledger()[0]
