"""No request handler does work that grows with the organization (issue 17).

Every write view of the product (the pages' forms, the REST API's and SCIM's writes) is
measured twice, with 10 and with 1,000 employees, each with their obligations: the number of
queries the request runs must be the same. What grows with the organization runs in a job after
the commit (this test's transaction never commits, so no job runs inside a measured request).
``test_every_write_view_is_measured`` keeps the list complete: a new POST route fails it until
it is measured here or named with the reason it cannot grow. The public pages that anyone may
load (the trust page, its JSON and statement) are measured the same way."""

import datetime

import pytest
from django.db import connection
from django.db.models.functions import Mod
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from attestations import jobs as attestation_jobs
from attestations.models import Obligation
from attestations.services.obligations import rescope_employees
from governance.roles import Role
from people import jobs as people_jobs
from people.models import Department, Employee
from platforms.models import RevisionKind
from policies.models import PolicyVersion
from tests.attestations.builders import new_version, publish, safe_answers, tool_rules
from tests.clock import noon_on
from tests.factories import DepartmentFactory
from tests.integrations.scim import SCIM

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def org(make_user, client_for, monkeypatch):
    """A published policy with two tools, the people of each role, and a way to grow the
    organization to n employees (bulk, obligations materialized set-based)."""
    # Large changes go to jobs; with the thresholds at 0 the small organization takes the same
    # path as the large one, so the two measurements compare like with like.
    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 0)
    monkeypatch.setattr(attestation_jobs, "REOPEN_IN_REQUEST", 0)
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 0)
    department = DepartmentFactory(code="ROOT", name="Everyone")
    version, rules = tool_rules(tools=2)
    PolicyVersion.objects.filter(pk=version.pk).update(usage_signals=True)  # the extension's signals may come
    publish(version)
    state = {
        "version": version,
        "rules": rules,
        "department": department,
        "admin": make_user(Role.GOVERNANCE_ADMIN),
        "officer": make_user(Role.COMPLIANCE_OFFICER),
        "make_user": make_user,
        "api": client_for("employees:read", "employees:write", "reports:write"),
        "serial": iter(range(10**6)),
    }

    def grow_to(n):
        start = Employee.objects.count()
        created = Employee.objects.bulk_create(
            Employee(external_id=f"G{i}", email=f"g{i}@example.test", full_name=f"Person {i}", department=department)
            for i in range(start, n)
        )
        rescope_employees(employee_ids=[e.pk for e in created], today=TODAY)
        assert Employee.objects.count() == n
        with connection.cursor() as cursor:  # the planner's view of the grown table, as autovacuum would give it
            cursor.execute(f"ANALYZE {Employee._meta.db_table}")

    state["grow_to"] = grow_to
    state["api"].get("/api/v1/")  # the key's first use records when it was used (once a while)
    return state


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _employee_with_obligations(org):
    user = org["make_user"]()
    rescope_employees(employee_ids=[user.employee.pk], today=TODAY)
    return user, list(Obligation.objects.open().filter(employee=user.employee).order_by("pk"))


# --- One function per write view: prepares its target (not measured), then returns the request.


def attest(org):
    user, (obligation, *_) = _employee_with_obligations(org)
    client = _signed_in(user)
    state = client.get(reverse("me-tool", args=[obligation.pk])).context["form"].initial["state"]
    data = {"state": state, "tool_used": "yes", "confirm": "on", "signature": user.employee.full_name}
    data.update({f"setting_{key}": value for key, value in safe_answers(obligation).items()})
    return lambda: client.post(reverse("me-tool", args=[obligation.pk]), data)


def acknowledge(org):
    user, _ = _employee_with_obligations(org)
    client = _signed_in(user)
    return lambda: client.post(reverse("me-acknowledge", args=[org["version"].pk]))


def request_exception(org):
    user, (obligation, *_) = _employee_with_obligations(org)
    client = _signed_in(user)
    data = {"reason": "Needed for a customer project", "requested_days": 30}
    return lambda: client.post(reverse("me-exception", args=[obligation.pk]), data)


def decide_exception(org):
    from attestations.services.exceptions import request_exception as ask

    user, (obligation, *_) = _employee_with_obligations(org)
    exception = ask(
        employee=user.employee, obligation=obligation, reason="A customer project", requested_days=30, actor=user
    )
    client = _signed_in(org["officer"])
    expires = (TODAY + datetime.timedelta(days=30)).isoformat()
    data = {"decision": "approve", "approve-expires_on": expires, "approve-note": "Fine for the project"}
    return lambda: client.post(reverse("attestations:exception-decide", args=[exception.pk]), data)


def publish_version(org):
    draft, _ = tool_rules(tools=2, version=new_version())  # a policy of its own: its job never runs here
    client = _signed_in(org["admin"])
    return lambda: client.post(reverse("attestations:version-publish", args=[draft.pk]))


def retire_version(org):
    version, _ = tool_rules(tools=1, version=new_version())
    publish(version)
    rescope_employees(employee_ids=list(Employee.objects.values_list("pk", flat=True)), today=TODAY)
    client = _signed_in(org["admin"])
    return lambda: client.post(reverse("attestations:version-retire", args=[version.pk]))


def start_report(org):
    client = _signed_in(org["officer"])
    return lambda: client.post(reverse("reports:list"), {"department": "", "platform": "", "customer_data": ""})


def start_evidence_package(org):
    client = _signed_in(org["officer"])
    start = (TODAY - datetime.timedelta(days=next(org["serial"]) % 300)).isoformat()  # a new package each time
    return lambda: client.post(reverse("reports:evidence"), {"start": start, "end": TODAY.isoformat()})


def revise_setting(org):
    setting = org["rules"][0].required_settings.first().setting
    n = next(org["serial"])
    client = _signed_in(org["admin"])
    url = reverse("platforms:setting-edit", args=[setting.platform.slug, setting.key])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "label": f"{setting.label} {n}",
            "navigation_steps": "\n".join(setting.navigation_steps),
            "values": ", ".join(setting.values),
            "protects": ", ".join(setting.protects),
            "applies_to_tiers": ", ".join(setting.applies_to_tiers),
            "revision_kind": RevisionKind.MEANINGFUL,
            "confirming": "on",
        }
    )
    return lambda: client.post(url, data)


def api_upsert_employee(org):
    n = next(org["serial"])
    body = {"external_id": f"API{n}", "email": f"api{n}@example.test", "full_name": "New Hire"}
    return lambda: org["api"].post_json("/api/v1/employees/", body)


def api_update_employee(org):
    """A move: new department, country and manager (the reporting line under a new boss)."""
    user, _ = _employee_with_obligations(org)
    n = next(org["serial"])
    other = Department.objects.create(code=f"D{n}", name="Moved here")
    boss = Employee.objects.create(external_id=f"BOSS{n}", email=f"boss{n}@example.test", full_name="Boss")
    path = f"/api/v1/employees/{user.employee.external_id}/"
    return lambda: org["api"].patch_json(path, {"department": other.code, "country": "FR", "manager": boss.external_id})


def api_bulk_upsert(org):
    n = next(org["serial"])
    rows = [{"external_id": f"B{n}-{i}", "email": f"b{n}-{i}@example.test", "full_name": f"Bulk {i}"} for i in range(3)]
    return lambda: org["api"].post_json("/api/v1/employees/bulk/", {"employees": rows})


def api_move_department(org):
    n = next(org["serial"])
    moved = Department.objects.create(code=f"M{n}", name=f"Moved {n}")
    Employee.objects.filter(pk__in=Employee.objects.order_by("pk").values("pk")[:5]).update(department=moved)
    target = Department.objects.create(code=f"T{n}", name=f"Target {n}")
    body = {"name": moved.name, "parent": target.code}
    return lambda: org["api"].put_json(f"/api/v1/departments/{moved.code}/", body)


def api_start_report(org):
    return lambda: org["api"].post_json("/api/v1/reports/", {})


def scim_create_user(org):
    import json

    n = next(org["serial"])
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"scim{n}@example.test",
        "name": {"givenName": "Scim", "familyName": f"User {n}"},
        "externalId": f"SCIM{n}",
    }
    return lambda: org["api"].post("/scim/v2/Users", json.dumps(body), content_type=SCIM)


def _paired(user):
    from browser_extension import services as extension
    from tests.browser_extension.conftest import DeviceClient

    _, code = extension.create_pairing_code(employee=user.employee, actor=user)
    device, token = extension.pair_device(code=code, device_name="Laptop")
    return device, DeviceClient(token)


def create_pairing_code(org):
    user, _ = _employee_with_obligations(org)
    client = _signed_in(user)
    return lambda: client.post(reverse("extension:pairing-code"))


def revoke_device(org):
    user, _ = _employee_with_obligations(org)
    device, _ = _paired(user)
    client = _signed_in(user)
    return lambda: client.post(reverse("extension:device-revoke", args=[device.pk]))


def extension_pair(org):
    from browser_extension import services as extension
    from tests.browser_extension.conftest import DeviceClient

    user, _ = _employee_with_obligations(org)
    _, code = extension.create_pairing_code(employee=user.employee, actor=user)
    return lambda: DeviceClient().post_json(reverse("extension-api:pair"), {"code": code, "device_name": "Laptop"})


def extension_signals(org):
    user, _ = _employee_with_obligations(org)
    _, client = _paired(user)
    days = [TODAY.isoformat(), (TODAY - datetime.timedelta(days=1)).isoformat()]
    body = [{"platform": rule.platform.slug, "day": day} for rule in org["rules"] for day in days]
    return lambda: client.post_json(reverse("extension-api:signals"), body)


def extension_observe(org):
    from platforms.models import PlatformSetting

    user, (obligation, *_) = _employee_with_obligations(org)
    _, client = _paired(user)
    probe = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
    PlatformSetting.objects.filter(platform=obligation.platform).update(probe=probe, probe_revision=1)
    answers = [
        {"setting": r.setting.key, "value": r.required_value, "revision": r.setting.revision, "probe_revision": 1}
        for r in obligation.rule.required_settings.select_related("setting")
    ]
    body = {"tool": obligation.platform.slug, "obligation": obligation.pk, "answers": answers}
    return lambda: client.post_json(reverse("extension-api:observations"), body)


def trust_public(name):
    """A public trust address (anyone may ask, so it must stay cheap), half the people handling
    customer data so that their figures have people behind them."""

    def prepare(org):
        from trust.models import TrustSettings

        TrustSettings.objects.update_or_create(pk=1, defaults={"enabled": True, "minimum_group_size": 2})
        Employee.objects.alias(parity=Mod("id", 2)).filter(parity=0).update(handles_customer_data=True)
        return lambda: Client().get(reverse(name))

    prepare.__name__ = f"trust_public({name})"
    return prepare


# Reads anyone can send, measured like the writes.
PUBLIC_READS = {name: trust_public(name) for name in ("trust:page", "trust:json", "trust:statement")}


WRITE_VIEWS = {
    "me-tool": attest,
    "me-acknowledge": acknowledge,
    "me-exception": request_exception,
    "attestations:exception-decide": decide_exception,
    "attestations:version-publish": publish_version,
    "attestations:version-retire": retire_version,
    "reports:list": start_report,
    "reports:evidence": start_evidence_package,
    "platforms:setting-edit": revise_setting,
    "api-employee-list": api_upsert_employee,
    "api-employee-detail": api_update_employee,
    "api-employee-bulk": api_bulk_upsert,
    "api-department-detail": api_move_department,
    "api-report-list": api_start_report,
    "scim-users": scim_create_user,
    "extension:pairing-code": create_pairing_code,
    "extension:device-revoke": revoke_device,
    "extension-api:pair": extension_pair,
    "extension-api:signals": extension_signals,
    "extension-api:observations": extension_observe,
}


def _employee_rows_read():
    """Rows of the employee table read so far in this transaction (PostgreSQL's counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_returned(%s::regclass) + pg_stat_get_xact_tuples_fetched(%s::regclass)",
            [Employee._meta.db_table] * 2,
        )
        return cursor.fetchone()[0]


def measure(org, prepare):
    """(queries, employee rows read) of the request."""
    send = prepare(org)
    before = _employee_rows_read()
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code < 400, (prepare.__name__, response.status_code, response.content[:500])
    return len(queries), _employee_rows_read() - before


def test_write_views_run_the_same_queries_for_10_and_1000_employees(org):
    org["grow_to"](10)
    small = {name: measure(org, prepare) for name, prepare in WRITE_VIEWS.items()}
    org["grow_to"](1000)
    assert Obligation.objects.open().count() >= 2000
    large = {name: measure(org, prepare) for name, prepare in WRITE_VIEWS.items()}
    assert {name: queries for name, (queries, _) in large.items()} == {
        name: queries for name, (queries, _) in small.items()
    }
    # The same query count could still read the whole organization (one SELECT of every
    # employee): no request reads more than a handful of employee rows out of 1,000. (A small
    # table is read whole by the planner, so the two sizes' row counts are not compared.)
    assert {name: reads for name, (_, reads) in large.items() if reads > 100} == {}


def test_public_reads_run_the_same_queries_for_10_and_1000_employees(org, counts_dated_today):
    """Measured apart from the writes, which publish tools (a figure per tool is work that grows
    with the catalog, not with the organization). The maintained counts are current, as after
    the nightly job, so the figures take the dashboard's own path."""
    org["grow_to"](10)
    small = {name: measure(org, prepare) for name, prepare in PUBLIC_READS.items()}
    org["grow_to"](1000)
    large = {name: measure(org, prepare) for name, prepare in PUBLIC_READS.items()}
    assert {name: queries for name, (queries, _) in large.items()} == {
        name: queries for name, (queries, _) in small.items()
    }
    assert {name: reads for name, (_, reads) in large.items() if reads > 100} == {}


def _route_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or str(pattern.pattern).startswith(("admin/", "sso/")):
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


# Writes that act on one thing whatever the size of the organization (no obligation or person
# fan-out): a draft policy's editing, a catalog entry, an account, a key, a webhook endpoint.
ONE_THING_WRITES = {
    "policies:create": "a new policy and its empty draft",
    "policies:draft": "copies one version's rules (tools, not people)",
    "policies:version-edit": "a draft's text and dates",
    "policies:version-delete": "a draft",
    "policies:rule-add": "a draft's rule",
    "policies:rule-edit": "a draft's rule",
    "policies:rule-remove": "a draft's rule",
    "policies:requirement-add": "a draft rule's required setting",
    "policies:requirement-edit": "a draft rule's required setting",
    "policies:requirement-remove": "a draft rule's required setting",
    "platforms:create": "a catalog entry",
    "platforms:edit": "a catalog entry (a setting's meaning changes on setting-edit)",
    "platforms:setting-create": "a new setting no rule requires yet",
    "platforms:verify": "marks one entry checked",
    "platforms:setting-verify": "marks one setting checked",
    "integrations:api-keys": "creates a key",
    "integrations:api-key-revoke": "revokes a key",
    "integrations:webhooks": "creates an endpoint",
    "integrations:webhook-toggle": "pauses an endpoint",
    "api-webhook-list": "creates an endpoint",
    "api-webhook-detail": "changes an endpoint",
    "api-webhook-redeliver": "one delivery again",
    "api-department-list": "creates a department (nobody is in it yet)",
    "me-confirm-record": "links one account to its record",
    "login": "one account",
    "logout": "one session",
    "magic-login": "one account",
    "password_change": "one account",
    "password_reset": "one account",
    "password_reset_confirm": "one account",
    "scim-user": "one person (PUT, PATCH, DELETE), like api-employee-detail",
    "scim-groups": "a group and its members' roles",
    "scim-group": "a group and its members' roles",
    "scim-search": "a read sent as POST",
    "trust:settings": "the one trust page setting",
}

# Pages and endpoints that only read (GET).
READ_ONLY = {
    "home", "favicon", "healthz", "ledger-keys", "job", "job-progress", "me", "me-history", "me-record", "me-evidence", "team",
    "dashboard", "dashboard-people", "dashboard-person", "dashboard-team", "reports:detail", "reports:download",
    "reports:evidence-download",
    "attestations:exceptions", "attestations:version-preview", "platforms:list",
    "platforms:detail", "platforms:stale", "policies:list", "policies:version", "policies:version-diff",
    "password_change_done", "password_reset_done", "password_reset_complete", "platform-list", "platform-detail",
    "api-root", "api-docs", "schema", "api-job-detail", "api-attestation-list", "api-compliance-summary", "api-employee-compliance",
    "api-policy-list", "api-policy-detail", "api-report-detail", "api-report-download", "api-webhook-deliveries",
    "scim-resource-type", "scim-resource-types", "scim-schema", "scim-schemas", "scim-service-provider-config",
    "extension:tools-in-use", "extension-api:status", "api-usage",
}  # fmt: skip


def test_every_write_view_is_measured_or_named_with_its_reason():
    routes = {name for name in _route_names(get_resolver()) if name}
    classified = set(WRITE_VIEWS) | set(PUBLIC_READS) | set(ONE_THING_WRITES) | READ_ONLY
    assert routes - classified == set(), "a new route: measure it in WRITE_VIEWS or say why it cannot grow"
    assert classified - routes == set(), "a route listed here is gone"
    assert not (set(WRITE_VIEWS) | set(PUBLIC_READS)) & (set(ONE_THING_WRITES) | READ_ONLY)
