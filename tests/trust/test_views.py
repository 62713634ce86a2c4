"""The public trust page, its JSON and its setting: off by default (404), figures equal to the
officers' dashboard's for the same day, small groups never shown, the setting for admins only."""

import datetime
import json

import pytest
from django.urls import reverse

from attestations.models import OPEN_ACTION_STATUSES, Obligation
from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from governance.models import AuditEvent
from tests.clock import noon_on
from trust.models import TrustSettings

TODAY = datetime.date(2026, 5, 12)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

PUBLIC = ["trust:page", "trust:json", "trust:statement"]


def _json(client):
    response = client.get(reverse("trust:json"))
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_address_is_not_found_while_the_page_is_off(client, trust_org, name):
    assert client.get(reverse(name)).status_code == 404
    TrustSettings.objects.create(pk=1, enabled=False)
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", PUBLIC)
def test_anyone_reads_the_public_addresses_once_switched_on(client, trust_org, trust_on, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.postgres
def test_the_json_holds_the_dashboard_selectors_figures_of_the_day(client, trust_org, trust_on, checkpoint):
    TrustSettings.objects.filter(pk=1).update(minimum_group_size=3)
    figures = _json(client)
    everyone = compliance.summary(ComplianceFilters(), today=TODAY)
    people = compliance.people_coverage(ComplianceFilters(), today=TODAY)
    by_tool = {f.extra["name"]: f for f in compliance.by_platform(ComplianceFilters(), today=TODAY)}
    handlers = compliance.customer_data_coverage(ComplianceFilters(), today=TODAY)

    assert figures["as_of"] == TODAY.isoformat()
    assert figures["everyone"]["all_tools"] == {
        "shown": True,
        "total": people["people"],
        "satisfied": people["fully_compliant"],
        "share": people["rate"],
    }
    assert everyone.total == 47 and everyone.rate is not None
    # People, not obligations: everyone with an open obligation, and those with all of them done.
    open_obligations = Obligation.objects.filter(closed_at__isnull=True)
    with_any = set(open_obligations.values_list("employee_id", flat=True))
    to_do = set(open_obligations.filter(status__in=OPEN_ACTION_STATUSES).values_list("employee_id", flat=True))
    assert (people["people"], people["fully_compliant"]) == (len(with_any), len(with_any - to_do)) != (47, 0)
    assert {row["tool"]: (row["total"], row["satisfied"], row["share"]) for row in figures["everyone"]["per_tool"]} == {
        name: (f.total, f.satisfied, f.rate) for name, f in by_tool.items()
    }
    assert figures["customer_data_handlers"]["all_tools"] == {
        "shown": True,
        "total": handlers["handlers"],
        "satisfied": handlers["fully_compliant"],
        "share": handlers["rate"],
    }
    assert (handlers["handlers"], handlers["fully_compliant"], handlers["rate"]) == (12, 9, 75.0)
    per_tool = {row["tool"]: row for row in figures["customer_data_handlers"]["per_tool"]}
    for rule in trust_org["rules"].values():
        if not rule.creates_obligations:
            assert rule.platform.name not in per_tool
            continue
        coverage = compliance.customer_data_coverage(ComplianceFilters(platform_id=rule.platform_id), today=TODAY)
        row = per_tool[rule.platform.name]
        assert (row["total"], row["satisfied"], row["share"]) == (
            coverage["handlers"],
            coverage["fully_compliant"],
            coverage["rate"],
        )
    assert figures["checkpoint"] == {
        "count": checkpoint.count,
        "head_hash": checkpoint.head_hash,
        "kid": checkpoint.kid,
        "created_at": checkpoint.created_at.isoformat(),
    }


def test_the_json_names_the_policy_in_force_and_the_tools_by_stance(client, trust_org, trust_on):
    figures = _json(client)
    version = trust_org["version"]
    assert figures["policy_versions"] == [
        {
            "policy": version.policy.name,
            "version": version.number,
            "title": "AI acceptable use",
            "effective_on": (TODAY - datetime.timedelta(days=30)).isoformat(),
        }
    ]
    named = {stance: [row["tool"] for row in rows] for stance, rows in figures["tools"].items()}
    assert named == {"approved": ["Alpha Chat", "Beta Code"], "restricted": ["Rho Notes"], "prohibited": ["Pi Social"]}
    assert figures["organization"] == "Example Corp"
    assert figures["checkpoint"] is None  # nothing checkpointed yet


@pytest.mark.postgres
def test_a_group_below_the_minimum_shows_neither_count_nor_share(client, trust_org, trust_on):
    figures = _json(client)  # default minimum 10: the restricted tool's 3 people are hidden
    assert figures["minimum_group_size"] == 10
    hidden = {"shown": False, "fewer_than": 10}
    everyone = {row["tool"]: row for row in figures["everyone"]["per_tool"]}
    handlers = {row["tool"]: row for row in figures["customer_data_handlers"]["per_tool"]}
    assert everyone["Rho Notes"] == {"tool": "Rho Notes", **hidden}
    assert handlers["Rho Notes"] == {"tool": "Rho Notes", **hidden}
    assert everyone["Alpha Chat"]["shown"] and handlers["Alpha Chat"]["shown"]

    page = client.get(reverse("trust:page")).content.decode()
    assert "fewer than 10 people" in page

    TrustSettings.objects.filter(pk=1).update(minimum_group_size=13)  # 12 handlers, 22 people
    figures = _json(client)
    assert figures["customer_data_handlers"]["all_tools"] == {"shown": False, "fewer_than": 13}
    assert all(not row["shown"] for row in figures["customer_data_handlers"]["per_tool"])
    assert figures["everyone"]["all_tools"]["shown"]
    TrustSettings.objects.filter(pk=1).update(minimum_group_size=23)
    figures = _json(client)
    assert figures["everyone"]["all_tools"] == {"shown": False, "fewer_than": 23}
    text = json.dumps(figures)
    assert '"share"' not in text and '"total"' not in text


@pytest.mark.postgres
def test_no_person_is_named_on_the_page_or_in_the_json(client, trust_org, trust_on):
    from people.models import Employee

    page = client.get(reverse("trust:page")).content.decode()
    document = client.get(reverse("trust:json")).content.decode()
    for person in Employee.objects.all():
        for text in (page, document):
            assert person.full_name not in text and person.email not in text and person.external_id not in text


def test_the_page_shows_the_figures_and_how_to_verify(client, trust_org, trust_on, checkpoint):
    response = client.get(reverse("trust:page"))
    page = response.content.decode()
    assert "Example Corp" in page
    assert checkpoint.head_hash in page and checkpoint.kid in page
    assert reverse("trust:statement") in page and reverse("ledger-keys") in page
    assert "How" in page or "Check these figures yourself" in page
    assert response.context["figures"] == _json(client)


# --- The setting ----------------------------------------------------------------------------


def test_only_governance_admins_reach_the_setting(client, officer, employee_user):
    url = reverse("trust:settings")
    assert client.get(url).status_code == 302  # to the sign-in page
    for user in (officer, employee_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"enabled": "on", "minimum_group_size": 10}).status_code == 403
    assert not TrustSettings.objects.exists()


def test_an_admin_switches_the_page_on_and_the_change_is_audited(client, admin_user, trust_org):
    client.force_login(admin_user)
    assert client.get(reverse("trust:settings")).status_code == 200
    data = {"enabled": "on", "minimum_group_size": 12, "organization_name": "Example Corp", "public_text": "Hello"}
    response = client.post(reverse("trust:settings"), data)
    assert response.status_code == 302
    setting = TrustSettings.current()
    assert (setting.enabled, setting.minimum_group_size, setting.updated_by) == (True, 12, admin_user)
    event = AuditEvent.objects.get(action="trust_settings.updated")
    assert event.actor == admin_user and event.before is None
    assert event.after == {
        "enabled": True,
        "minimum_group_size": 12,
        "organization_name": "Example Corp",
        "public_text": "Hello",
    }
    client.logout()
    assert client.get(reverse("trust:page")).status_code == 200

    client.force_login(admin_user)
    client.post(reverse("trust:settings"), {**data, "enabled": ""})
    changed = AuditEvent.objects.filter(action="trust_settings.updated").order_by("-id").first()
    assert (changed.before, changed.after) == ({"enabled": True}, {"enabled": False})
    client.post(reverse("trust:settings"), {**data, "enabled": ""})  # the same again: nothing to record
    assert AuditEvent.objects.filter(action="trust_settings.updated").count() == 2
    client.logout()
    assert client.get(reverse("trust:page")).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minimum_group_size", "1", "greater than or equal to 2"),
        ("minimum_group_size", "0", "greater than or equal to 2"),
        ("minimum_group_size", "100000", "less than or equal to 1000"),
        ("minimum_group_size", "ten", "Enter a whole number"),
        ("organization_name", "Example\x00Corp", "Null characters are not allowed"),
        ("organization_name", "Example\x07Corp", "Control characters are not allowed"),
        ("public_text", "Hello\x1b[31m", "Control characters are not allowed"),
        ("organization_name", "x" * 201, "at most 200 characters"),
    ],
)
def test_the_setting_refuses_bad_input_with_a_clear_error(client, admin_user, field, value, message):
    client.force_login(admin_user)
    data = {"enabled": "on", "minimum_group_size": 10, "organization_name": "", "public_text": "", field: value}
    response = client.post(reverse("trust:settings"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not TrustSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="trust_settings.updated").exists()


@pytest.mark.postgres
def test_a_tool_two_policies_name_counts_its_people_not_its_obligations(client, trust_org, trust_on):
    """Three people with the restricted tool under two policies hold six obligations: still a
    group of three, hidden under a minimum of five."""
    from attestations.models import Obligation
    from tests.attestations.builders import new_version, publish
    from tests.factories import ObligationFactory, ToolRuleFactory

    TrustSettings.objects.filter(pk=1).update(minimum_group_size=5)
    platform = trust_org["rules"]["r"].platform
    second = new_version()
    rule = ToolRuleFactory(version=second, platform=platform)
    publish(second)
    for first in Obligation.objects.filter(platform=platform).select_related("employee"):
        ObligationFactory(employee=first.employee, rule=rule, policy_version=second, platform=platform)
    assert compliance.summary(ComplianceFilters(platform_id=platform.pk), today=TODAY).total == 6

    everyone = {row["tool"]: row for row in _json(client)["everyone"]["per_tool"]}
    assert everyone[platform.name] == {"tool": platform.name, "shown": False, "fewer_than": 5}
    assert everyone["Alpha Chat"]["shown"]  # 22 people, one policy
