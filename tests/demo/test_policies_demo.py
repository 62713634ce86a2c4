import pytest

from attestations.models import Obligation
from attestations.selectors.obligations import obligations_for
from people.models import Employee
from policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


def test_demo_policy_is_published_and_gives_the_demo_employee_tools_to_attest(demo):
    version = PolicyVersion.objects.get(policy__slug="ai-acceptable-use", status="published")
    stances = dict(version.rules.values_list("platform__slug", "stance"))
    assert stances == {
        "chatgpt": "approved",
        "claude": "approved",
        "gemini": "approved",
        "linkedin": "restricted",
        "x": "restricted",
        "deepseek": "prohibited",
    }
    required = set(version.rules.values_list("platform__slug", "required_settings__setting__key"))
    assert {("chatgpt", "improve-model"), ("claude", "help-improve"), ("gemini", "keep-activity")} <= required
    assert {("linkedin", "genai-improvement"), ("x", "grok-data-sharing")} <= required

    emma = Employee.objects.get(email="employee@demo.example")
    assert {o.platform.slug for o in obligations_for(employee=emma)} == {"chatgpt", "claude", "gemini", "x"}
    seller = Employee.objects.get(email="ana.sales@demo.example")
    assert "linkedin" in set(Obligation.objects.open().filter(employee=seller).values_list("platform__slug", flat=True))
