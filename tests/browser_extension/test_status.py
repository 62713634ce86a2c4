"""GET /api/extension/v1/status: the device's own employee, per catalog tool."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attestations.models import ObligationStatus
from policies.models import ToolRule
from tests.attestations.builders import new_version, publish
from tests.clock import noon_on
from tests.factories import (
    DepartmentFactory,
    ObligationFactory,
    PlatformFactory,
    PlatformSettingFactory,
    ToolRuleFactory,
)

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

STATUS = "/api/extension/v1/status"


@pytest.fixture
def catalog():
    chat = PlatformFactory(
        slug="chat", name="Chat", website="https://chat.example.test/", privacy_url="https://help.example.test/privacy"
    )
    PlatformSettingFactory(platform=chat, deep_link="https://chat.example.test/#settings/data")
    PlatformSettingFactory(platform=chat, deep_link="https://settings.chat.example.test/data")
    return {
        "chat": chat,
        "notes": PlatformFactory(slug="notes", name="Notes", website="https://notes.example.test"),
        "banned": PlatformFactory(slug="banned", name="Banned", website="https://banned.example.test"),
        "free": PlatformFactory(slug="free", name="Free", website="https://WWW.Free.example.test."),
    }


def _tools(response):
    assert response.status_code == 200, response.content
    return {tool["id"]: tool for tool in response.json()["tools"]}


def test_each_tool_says_its_hosts_stance_version_and_status(employee_user, device_client, catalog):
    employee = employee_user.employee
    version = new_version(number=3)
    approved = ToolRuleFactory(version=version, platform=catalog["chat"], stance=ToolRule.Stance.APPROVED)
    restricted = ToolRuleFactory(
        version=version, platform=catalog["notes"], stance=ToolRule.Stance.RESTRICTED, notes="No customer data"
    )
    ToolRuleFactory(version=version, platform=catalog["banned"], stance=ToolRule.Stance.PROHIBITED)
    publish(version)
    compliant = ObligationFactory(
        employee=employee,
        rule=approved,
        status=ObligationStatus.COMPLIANT,
        due_on=TODAY + datetime.timedelta(days=80),
        valid_until=TODAY + datetime.timedelta(days=80),
    )
    overdue = ObligationFactory(employee=employee, rule=restricted, due_on=TODAY - datetime.timedelta(days=2))

    tools = _tools(device_client(employee).get(STATUS))

    chat = tools["chat"]
    assert chat["hosts"] == ["chat.example.test", "help.example.test", "settings.chat.example.test"]
    assert chat["stance"] == "approved" and chat["policy"] == {"name": version.policy.name, "version": 3}
    assert chat["obligation"]["state"] == "compliant"
    assert chat["obligation"]["text"] == "Compliant until 20 Aug 2026"
    assert chat["obligation"]["attest_url"] == f"http://testserver/me/tools/{compliant.pk}/"

    notes = tools["notes"]
    assert notes["stance"] == "restricted" and notes["note"] == "No customer data"
    assert notes["summary"].startswith("Restricted:") and "No customer data" in notes["summary"]
    assert notes["obligation"]["state"] == "overdue" and notes["obligation"]["text"] == "Overdue since 30 May 2026"
    assert notes["obligation"]["attest_url"].endswith(f"/me/tools/{overdue.pk}/")

    banned = tools["banned"]
    assert banned["stance"] == "prohibited" and banned["obligation"] is None
    assert banned["alternatives"] == [{"id": "chat", "name": "Chat"}]  # the approved tool of its category
    assert "Use Chat instead" in banned["summary"]

    assert tools["free"]["stance"] == "none" and tools["free"]["policy"] is None
    assert tools["free"]["hosts"] == ["www.free.example.test"]


def test_a_pending_obligation_is_due_on_its_date(employee_user, device_client, catalog):
    version = new_version()
    rule = ToolRuleFactory(version=version, platform=catalog["chat"])
    publish(version)
    ObligationFactory(employee=employee_user.employee, rule=rule, due_on=TODAY + datetime.timedelta(days=3))
    chat = _tools(device_client(employee_user.employee).get(STATUS))["chat"]
    assert chat["obligation"]["state"] == "due" and chat["obligation"]["text"] == "Due on 4 Jun 2026"


def test_the_strictest_rule_in_force_for_the_person_wins(employee_user, device_client, catalog):
    elsewhere = DepartmentFactory(code="ELSE", name="Elsewhere")
    first, second = new_version(), new_version()
    ToolRuleFactory(version=first, platform=catalog["chat"], stance=ToolRule.Stance.APPROVED)
    ToolRuleFactory(version=second, platform=catalog["chat"], stance=ToolRule.Stance.PROHIBITED)
    other_department = ToolRuleFactory(version=second, platform=catalog["notes"], stance=ToolRule.Stance.PROHIBITED)
    other_department.departments.add(elsewhere)
    publish(first)
    publish(second)
    tools = _tools(device_client(employee_user.employee).get(STATUS))
    assert tools["chat"]["stance"] == "prohibited"
    assert tools["notes"]["stance"] == "none"  # that rule covers another department only


def test_a_device_sees_only_its_own_employees_obligations(make_user, device_client, catalog):
    mine, theirs = make_user(), make_user()
    version = new_version()
    rule = ToolRuleFactory(version=version, platform=catalog["chat"])
    publish(version)
    ObligationFactory(employee=theirs.employee, rule=rule)
    body = device_client(mine.employee).get(STATUS).json()
    assert body["employee"] == {"name": mine.employee.full_name}
    assert {t["id"]: t["obligation"] for t in body["tools"]}["chat"] is None
    assert theirs.employee.full_name not in str(body)


def test_usage_signals_follow_the_policy_in_force(employee_user, device_client, catalog):
    client = device_client(employee_user.employee)
    assert client.get(STATUS).json()["usage_signals"] is False
    version = new_version(usage_signals=True)
    ToolRuleFactory(version=version, platform=catalog["chat"])
    publish(version)
    assert client.get(STATUS).json()["usage_signals"] is True


def _status_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STATUS).status_code == 200
    return len(queries)


def test_status_queries_do_not_grow_with_the_catalog(employee_user, device_client):
    employee = employee_user.employee
    client = device_client(employee)

    def grow(n):
        version = new_version()
        rules = []
        for _ in range(n):
            platform = PlatformFactory(website="https://x.example.test")
            PlatformSettingFactory(platform=platform, deep_link="https://x.example.test/settings")
            rules.append(ToolRuleFactory(version=version, platform=platform, stance=ToolRule.Stance.RESTRICTED))
        ToolRuleFactory(version=version, stance=ToolRule.Stance.PROHIBITED)
        publish(version)
        for rule in rules:
            ObligationFactory(employee=employee, rule=rule)

    grow(2)
    small = _status_queries(client)
    grow(15)
    assert len(client.get(STATUS).json()["tools"]) == 2 + 1 + 15 + 1
    assert _status_queries(client) == small
    assert small <= 8


def test_a_prohibiting_rule_says_what_the_browser_does_when_the_site_is_opened(employee_user, device_client, catalog):
    version = new_version()
    ToolRuleFactory(version=version, platform=catalog["chat"], stance=ToolRule.Stance.APPROVED)
    ToolRuleFactory(
        version=version, platform=catalog["banned"], stance=ToolRule.Stance.PROHIBITED, on_open=ToolRule.OnOpen.WARN
    )
    publish(version)
    tools = _tools(device_client(employee_user.employee).get(STATUS))
    assert tools["banned"]["on_open"] == "warn"
    assert tools["chat"]["on_open"] == "none" and tools["free"]["on_open"] == "none"


def test_of_two_prohibiting_rules_the_one_that_blocks_wins(employee_user, device_client, catalog):
    warns, blocks, neither = new_version(), new_version(), new_version()
    for version, on_open in ((warns, "warn"), (blocks, "block"), (neither, "none")):
        ToolRuleFactory(version=version, platform=catalog["banned"], stance=ToolRule.Stance.PROHIBITED, on_open=on_open)
        publish(version)
    banned = _tools(device_client(employee_user.employee).get(STATUS))["banned"]
    assert banned["on_open"] == "block"
    assert banned["policy"] == {"name": blocks.policy.name, "version": blocks.number}


def test_a_prohibiting_rule_of_another_department_does_not_block(employee_user, device_client, catalog):
    elsewhere = DepartmentFactory(code="ELSE", name="Elsewhere")
    mine, theirs = new_version(), new_version()
    ToolRuleFactory(version=mine, platform=catalog["banned"], stance=ToolRule.Stance.PROHIBITED, on_open="warn")
    other = ToolRuleFactory(
        version=theirs, platform=catalog["banned"], stance=ToolRule.Stance.PROHIBITED, on_open="block"
    )
    other.departments.add(elsewhere)
    publish(mine)
    publish(theirs)
    assert _tools(device_client(employee_user.employee).get(STATUS))["banned"]["on_open"] == "warn"


def test_each_tool_lists_its_settings_where_they_live_and_the_probes_that_read_them(employee_user, device_client):
    from tests.factories import RequiredSettingFactory

    chat = PlatformFactory(slug="chat", name="Chat", website="https://chat.example.test")
    probe = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
    switch = PlatformSettingFactory(
        platform=chat,
        key="a-improve",
        label="Improve the model",
        settings_url_patterns=["https://chat.example.test/*#settings/data"],
        probe=probe,
        probe_revision=2,
        probe_verified_on=TODAY,
    )
    PlatformSettingFactory(platform=chat, key="b-memory", label="Memory", safe_value="off")
    version = new_version()
    rule = ToolRuleFactory(version=version, platform=chat)
    RequiredSettingFactory(rule=rule, setting=switch, required_value="off")
    publish(version)
    obligation = ObligationFactory(employee=employee_user.employee, rule=rule)

    tool = _tools(device_client(employee_user.employee).get(STATUS))["chat"]
    assert tool["obligation"]["id"] == obligation.pk
    improve, memory = tool["settings"]
    assert improve == {
        "key": "a-improve",
        "label": "Improve the model",
        "values": ["on", "off"],
        "safe_value": "off",
        "required": "off",
        "revision": 1,
        "url_patterns": ["https://chat.example.test/*#settings/data"],
        "probe": probe,
        "probe_revision": 2,
        "probe_verified": True,
        "probe_verified_on": TODAY.isoformat(),
    }
    assert (memory["key"], memory["required"], memory["probe"], memory["probe_revision"]) == (
        "b-memory",
        None,
        None,
        None,
    )
    assert memory["probe_verified"] is False and memory["url_patterns"] == []
