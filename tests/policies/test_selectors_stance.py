"""The policy's stance on a tool: one selector, shown on the catalog page and on /me/."""

import pytest
from django.urls import reverse

from platforms.models import Category
from policies import selectors
from policies.models import PolicyVersion, ToolRule
from tests.factories import DepartmentFactory, EmployeeFactory, PlatformFactory, PolicyVersionFactory, ToolRuleFactory

pytestmark = pytest.mark.django_db


def publish(version):
    PolicyVersion.objects.filter(pk=version.pk).update(status=PolicyVersion.Status.PUBLISHED)


@pytest.fixture
def policy():
    """Claude approved for internal data on team accounts, DeepSeek prohibited, Gemini
    restricted to Engineering, Midjourney (another category) approved; and a draft that
    would prohibit Claude but is not published."""
    version = PolicyVersionFactory(policy__name="AI acceptable use", number=3)
    engineering = DepartmentFactory(name="Engineering")
    tools = {
        slug: PlatformFactory(slug=slug, name=name, category=category)
        for slug, name, category in [
            ("claude", "Claude", Category.CHATBOT),
            ("deepseek", "DeepSeek", Category.CHATBOT),
            ("gemini", "Gemini", Category.CHATBOT),
            ("midjourney", "Midjourney", Category.CREATIVE),
            ("unnamed", "Unnamed", Category.CHATBOT),
        ]
    }
    ToolRuleFactory(
        version=version, platform=tools["claude"], data_classes=["internal", "public"], allowed_tiers=["team"]
    )
    ToolRuleFactory(
        version=version, platform=tools["deepseek"], stance=ToolRule.Stance.PROHIBITED, notes="Data leaves the EU."
    )
    gemini = ToolRuleFactory(
        version=version, platform=tools["gemini"], stance=ToolRule.Stance.RESTRICTED, notes="No customer data."
    )
    gemini.departments.add(engineering)
    ToolRuleFactory(version=version, platform=tools["midjourney"])
    publish(version)
    ToolRuleFactory(platform=tools["claude"], stance=ToolRule.Stance.PROHIBITED)  # a draft
    return {"engineering": engineering, **tools}


def test_prohibited_tool_names_the_approved_tools_of_its_category(policy):
    (stance,) = selectors.tool_stances(platform=policy["deepseek"])

    assert stance.headline == "Prohibited under our policy"
    assert [p.name for p in stance.alternatives] == ["Claude"]  # not Midjourney: another category
    assert stance.summary == "Prohibited under our policy. Use Claude instead."
    assert stance.notes == "Data leaves the EU."
    assert stance.policy == "AI acceptable use v3"


def test_approved_and_restricted_say_for_what_and_for_whom(policy):
    (claude,) = selectors.tool_stances(platform=policy["claude"])  # the draft does not count
    (gemini,) = selectors.tool_stances(platform=policy["gemini"])

    assert claude.summary == "Approved for: Internal, Public data · Team / business accounts only"
    assert claude.who == "Everyone"
    assert gemini.summary == "Restricted: No customer data."
    assert gemini.who == "Engineering (with sub-departments)"
    assert selectors.tool_stances(platform=policy["unnamed"]) == []


def test_an_employee_sees_only_the_rules_that_cover_them(policy):
    sub = DepartmentFactory(name="Web", parent=policy["engineering"])
    engineer, seller = EmployeeFactory(department=sub), EmployeeFactory(department=DepartmentFactory(name="Sales"))

    assert [s.platform.name for s in selectors.employee_stances(employee=engineer)] == [
        "DeepSeek",
        "Gemini",
        "Claude",
        "Midjourney",
    ]
    assert "Gemini" not in [s.platform.name for s in selectors.employee_stances(employee=seller)]
    assert selectors.tool_stances(platform=policy["gemini"], employee=seller) == []


def test_catalog_page_shows_the_stance_and_the_alternative(policy, employee_user, client):
    client.force_login(employee_user)
    page = client.get(reverse("platforms:detail", args=["deepseek"])).content.decode()

    assert "Our policy on DeepSeek" in page
    assert "Prohibited under our policy" in page
    assert f'Use <a href="{reverse("platforms:detail", args=["claude"])}">Claude</a> instead.' in page
    claude = client.get(reverse("platforms:detail", args=["claude"])).content.decode()
    assert "Approved for: Internal, Public data · Team / business accounts only" in claude
    unnamed = client.get(reverse("platforms:detail", args=["unnamed"])).content.decode()
    assert "No published policy names Unnamed." in unnamed


def test_me_shows_every_tool_stance_for_the_person(policy, employee_user, client):
    client.force_login(employee_user)  # in a department of its own: Gemini's rule does not cover them
    page = client.get(reverse("me")).content.decode()

    assert "What our policy says about AI tools" in page
    assert "DeepSeek: Prohibited under our policy" in page
    assert "Claude: Approved under our policy" in page
    assert "Approved for: Internal, Public data" in page
    assert "Gemini" not in page
