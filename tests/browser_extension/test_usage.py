"""The officers' usage figures: the selector, the page and the REST API (scope usage:read)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attestations.services.attest import attestation_statement, submit_attestation
from browser_extension.models import UsageSignal
from browser_extension.selectors import usage_overview
from browser_extension.services import record_usage_signals
from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES
from people.models import Employee
from policies.models import ToolRule
from tests.attestations.builders import new_version, publish
from tests.clock import noon_on
from tests.factories import DepartmentFactory, EmployeeFactory, ObligationFactory, PlatformFactory, ToolRuleFactory
from tests.integrations.conftest import ApiClient

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def org():
    sales = DepartmentFactory(code="SALES", name="Sales")
    engineering = DepartmentFactory(code="ENG", name="Engineering")
    tools = {slug: PlatformFactory(slug=slug, name=slug.title()) for slug in ("chat", "code", "shady", "rogue")}
    version = new_version(usage_signals=True)
    ToolRuleFactory(version=version, platform=tools["chat"])  # everyone
    code_rule = ToolRuleFactory(version=version, platform=tools["code"])
    code_rule.departments.add(engineering)  # engineering only
    ToolRuleFactory(version=version, platform=tools["shady"], stance=ToolRule.Stance.PROHIBITED)
    publish(version)
    return {"tools": tools, "sales": sales, "engineering": engineering, "version": version}


def _open(employee, tool, day=TODAY, now=None):
    record_usage_signals(employee=employee, signals=[(tool.pk, day)], now=now)


def _counts(rows):
    return {row.platform.slug: row.people for row in rows}


def test_tools_no_rule_covers_and_prohibited_tools_are_counted_per_person(org):
    tools = org["tools"]
    seller, engineer, other_seller = (
        EmployeeFactory(department=org["sales"]),
        EmployeeFactory(department=org["engineering"]),
        EmployeeFactory(department=org["sales"]),
    )
    _open(seller, tools["chat"])  # covered for everyone
    _open(seller, tools["code"])  # the code rule covers engineering, not sales
    _open(seller, tools["code"], day=TODAY - datetime.timedelta(days=1))  # same person, another day
    _open(engineer, tools["code"])  # covered
    _open(seller, tools["rogue"])  # no rule at all
    _open(other_seller, tools["rogue"])
    _open(seller, tools["shady"])
    _open(engineer, tools["shady"])
    left = EmployeeFactory(department=org["sales"], status=Employee.Status.TERMINATED)
    _open(left, tools["rogue"])  # terminated people are not counted
    overview = usage_overview(today=TODAY, days=30)
    assert _counts(overview.uncovered) == {"rogue": 2, "code": 1}
    assert [row.platform.slug for row in overview.uncovered] == ["rogue", "code"]  # most people first
    assert _counts(overview.prohibited) == {"shady": 2}


def test_the_window_limits_the_days_counted(org):
    person = EmployeeFactory(department=org["sales"])
    _open(person, org["tools"]["rogue"], day=TODAY - datetime.timedelta(days=5))
    assert _counts(usage_overview(today=TODAY, days=6).uncovered) == {"rogue": 1}
    assert _counts(usage_overview(today=TODAY, days=5).uncovered) == {}


def _attest_not_used(employee, rule, *, at, time_machine):
    obligation = ObligationFactory(employee=employee, rule=rule)
    time_machine.move_to(at)
    submit_attestation(
        obligation=obligation,
        answers={},
        tool_used=False,
        statement=attestation_statement(obligation),
        signature=employee.full_name,
        actor=None,
    )
    return obligation


def test_opening_a_tool_after_attesting_not_using_it_is_a_contradiction(org, time_machine):
    chat_rule = org["version"].rules.get(platform=org["tools"]["chat"])
    attested_at = NOW - datetime.timedelta(days=3)
    liar, honest, same_day_before, later_user = (EmployeeFactory(department=org["sales"]) for _ in range(4))
    for person in (liar, honest, same_day_before, later_user):
        _attest_not_used(person, chat_rule, at=attested_at, time_machine=time_machine)
    time_machine.move_to(NOW)
    chat = org["tools"]["chat"]
    _open(liar, chat, day=TODAY - datetime.timedelta(days=1))
    _open(liar, chat, day=TODAY)
    # opened days before signing (reported late): not after the attestation
    _open(honest, chat, day=TODAY - datetime.timedelta(days=5))
    # opened the same day, reported before signing
    _open(same_day_before, chat, day=attested_at.date(), now=attested_at - datetime.timedelta(hours=1))
    # opened the same day, after signing
    _open(later_user, chat, day=attested_at.date(), now=attested_at + datetime.timedelta(hours=1))
    overview = usage_overview(today=TODAY, days=30)
    found = {(c.employee, c.platform.slug, c.last_opened_on) for c in overview.contradictions}
    assert found == {(liar, "chat", TODAY), (later_user, "chat", attested_at.date())}
    assert overview.contradiction_count == 2
    assert all(abs(c.attested_at - attested_at) < datetime.timedelta(minutes=1) for c in overview.contradictions)


def test_attesting_use_again_ends_the_contradiction(org, time_machine):
    chat_rule = org["version"].rules.get(platform=org["tools"]["chat"])
    person = EmployeeFactory(department=org["sales"])
    obligation = _attest_not_used(person, chat_rule, at=NOW - datetime.timedelta(days=2), time_machine=time_machine)
    time_machine.move_to(NOW)
    _open(person, org["tools"]["chat"])
    assert usage_overview(today=TODAY, days=30).contradiction_count == 1
    obligation.refresh_from_db()
    from tests.attestations.builders import safe_answers

    submit_attestation(
        obligation=obligation,
        answers=safe_answers(obligation),
        tool_used=True,
        statement=attestation_statement(obligation),
        signature=person.full_name,
        actor=None,
    )
    assert usage_overview(today=TODAY, days=30).contradiction_count == 0


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_for_compliance_officers(org, officer, employee_user, admin_user):
    person = EmployeeFactory(department=org["sales"], full_name="Rita Rogue")
    _open(person, org["tools"]["rogue"])
    url = reverse("extension:tools-in-use")
    page = _signed_in(officer).get(url)
    assert page.status_code == 200
    assert page.context["overview"].as_dict() == usage_overview(today=TODAY, days=30).as_dict()
    assert "Rogue" in page.content.decode()
    assert _signed_in(employee_user).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert _signed_in(officer).get(url, {"days": "0"}).status_code == 400
    assert _signed_in(officer).get(url, {"days": "7"}).context["days"] == 7


def test_the_api_gives_the_pages_figures_with_its_own_scope(org, officer, time_machine):
    chat_rule = org["version"].rules.get(platform=org["tools"]["chat"])
    person = EmployeeFactory(department=org["sales"], external_id="E-7")
    _attest_not_used(person, chat_rule, at=NOW - datetime.timedelta(days=2), time_machine=time_machine)
    time_machine.move_to(NOW)
    _open(person, org["tools"]["chat"])
    _open(person, org["tools"]["shady"])
    key = create_api_key(name="Officers' tool", scopes=["usage:read"])
    response = ApiClient(key.secret).get("/api/v1/usage/", {"days": "30"})
    assert response.status_code == 200, response.content
    body = response.json()
    expected = _signed_in(officer).get(reverse("extension:tools-in-use")).context["overview"].as_dict()
    assert body == expected
    assert body["prohibited_tools_in_use"] == [{"platform": "shady", "name": "Shady", "people": 1}]
    assert body["contradictions"]["people"][0]["employee"] == "E-7"
    others = create_api_key(name="HR", scopes=[s for s in ALL_SCOPES if s != "usage:read"])
    assert ApiClient(others.secret).get("/api/v1/usage/").status_code == 403
    assert ApiClient(key.secret).get("/api/v1/usage/", {"days": "0"}).status_code == 400
    assert ApiClient(key.secret).get("/api/v1/usage/", {"since": "x"}).status_code == 400


def test_the_page_runs_the_same_queries_for_few_and_many_signals(org, officer):
    client = _signed_in(officer)
    chat_rule = org["version"].rules.get(platform=org["tools"]["chat"])

    def grow(n):
        for _ in range(n):
            person = EmployeeFactory(department=org["sales"])
            ObligationFactory(employee=person, rule=chat_rule)
            for tool in org["tools"].values():
                _open(person, tool)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("extension:tools-in-use")).status_code == 200
        return len(captured)

    grow(2)
    few = queries()
    grow(30)
    assert queries() == few
    assert UsageSignal.objects.count() == 32 * 4


def test_the_version_and_publish_pages_say_whether_signals_are_on(admin_user):
    on = new_version(usage_signals=True)
    ToolRuleFactory(version=on)
    off = new_version()
    client = _signed_in(admin_user)
    assert "On: the browser extension reports" in client.get(reverse("policies:version", args=[on.pk])).content.decode()
    assert "Off: the browser extension" in client.get(reverse("policies:version", args=[off.pk])).content.decode()
    publish_page = client.get(reverse("attestations:version-publish", args=[on.pk])).content.decode()
    assert "Usage signals: on." in publish_page


def test_the_officers_dashboard_shows_the_pages_headline_figures(org, officer):
    tools = org["tools"]
    for person in (EmployeeFactory(department=org["sales"]), EmployeeFactory(department=org["engineering"])):
        _open(person, tools["shady"])
    _open(EmployeeFactory(department=org["sales"]), tools["rogue"])
    client = _signed_in(officer)
    cards = {card["key"]: card for card in client.get(reverse("dashboard")).context["cards"]}
    overview = usage_overview(today=TODAY, days=30)
    assert cards["usage"]["value"] == sum(row.people for row in overview.prohibited) == 2
    assert cards["usage"]["detail"].endswith(f"{len(overview.uncovered)} tools no rule covers")
    assert cards["usage"]["secondary"]["text"].startswith(f"{overview.contradiction_count} said")
    assert cards["usage"]["url"] == reverse("extension:tools-in-use")
    # Whole-organization figures: not on a department's dashboard, nor a manager's.
    narrowed = client.get(reverse("dashboard"), {"department": org["sales"].pk}).context["cards"]
    assert "usage" not in {card["key"] for card in narrowed}


def test_without_a_policy_that_turns_signals_on_the_dashboard_has_no_usage_card(officer):
    client = _signed_in(officer)
    with CaptureQueriesContext(connection) as queries:
        cards = client.get(reverse("dashboard")).context["cards"]
    assert "usage" not in {card["key"] for card in cards}
    asked = [q["sql"] for q in queries.captured_queries if '"usage_signals")' in q["sql"] or "usagesignal" in q["sql"]]
    assert len(asked) == 1 and "usagesignal" not in asked[0]  # the one check, and no signal read
