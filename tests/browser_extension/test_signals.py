"""POST /api/extension/v1/signals: person x tool x day, only when the policy turns them on."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from browser_extension.models import UsageSignal
from tests.attestations.builders import new_version, publish
from tests.clock import noon_on
from tests.factories import PlatformFactory, ToolRuleFactory

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

SIGNALS = "/api/extension/v1/signals"


@pytest.fixture
def tools():
    return [PlatformFactory(slug="chat"), PlatformFactory(slug="notes")]


def _signals_on(tools, *, on=True):
    version = new_version(usage_signals=on)
    ToolRuleFactory(version=version, platform=tools[0])
    publish(version)
    return version


def test_with_signals_off_nothing_is_stored_and_the_reason_is_given(employee_user, device_client, tools):
    _signals_on(tools, on=False)
    response = device_client(employee_user.employee).post_json(SIGNALS, [{"platform": "chat", "day": "2026-06-01"}])
    assert response.status_code == 403
    assert response.json()["code"] == "usage_signals_off"
    assert "Usage signals are off" in response.json()["detail"]
    assert not UsageSignal.objects.exists()


def test_a_policy_that_does_not_cover_the_person_does_not_turn_them_on(employee_user, device_client, tools):
    from tests.factories import DepartmentFactory

    version = new_version(usage_signals=True)
    rule = ToolRuleFactory(version=version, platform=tools[0])
    rule.departments.add(DepartmentFactory(code="OTHER", name="Other"))
    publish(version)
    response = device_client(employee_user.employee).post_json(SIGNALS, [{"platform": "chat", "day": "2026-06-01"}])
    assert response.status_code == 403


def test_signals_are_recorded_once_per_person_tool_and_day(employee_user, device_client, tools, time_machine):
    _signals_on(tools)
    client = device_client(employee_user.employee)
    body = [
        {"platform": "chat", "day": "2026-06-01"},
        {"platform": "chat", "day": "2026-06-01"},
        {"platform": "notes", "day": "2026-05-31"},
    ]
    response = client.post_json(SIGNALS, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"recorded": 2}
    first = UsageSignal.objects.get(platform=tools[0])
    assert (first.employee, first.day) == (employee_user.employee, TODAY)
    time_machine.move_to(NOW + datetime.timedelta(hours=2))
    assert client.post_json(SIGNALS, body[:1]).status_code == 200
    assert UsageSignal.objects.count() == 2
    again = UsageSignal.objects.get(platform=tools[0])
    assert again.first_reported_at == first.first_reported_at
    assert again.last_reported_at > first.last_reported_at


def test_a_device_writes_only_its_own_employees_signals(make_user, device_client, tools):
    _signals_on(tools)
    mine, theirs = make_user(), make_user()
    body = [{"platform": "chat", "day": "2026-06-01", "employee": theirs.employee.external_id}]
    refused = device_client(mine.employee).post_json(SIGNALS, body)  # naming anyone is refused, not ignored
    assert refused.status_code == 400 and "Unknown field." in refused.content.decode()
    assert not UsageSignal.objects.exists()
    assert (
        device_client(mine.employee).post_json(SIGNALS, [{"platform": "chat", "day": "2026-06-01"}]).status_code == 200
    )
    assert list(UsageSignal.objects.values_list("employee", flat=True)) == [mine.employee.pk]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ([{"platform": "unknown", "day": "2026-06-01"}], "platform"),
        ([{"platform": "chat", "day": "2026-06-02"}], "day"),  # tomorrow
        ([{"platform": "chat", "day": "2026-05-24"}], "day"),  # 8 days ago: older than 7
        ([{"platform": "chat", "day": "1 June"}], "day"),
        ([{"platform": "chat"}], "day"),
        ([{"platform": "a/b", "day": "2026-06-01"}], "platform"),
        ([], "non_field_errors"),
        ({"platform": "chat", "day": "2026-06-01"}, "non_field_errors"),
        ([{"platform": "chat", "day": "2026-06-01"}] * 101, "non_field_errors"),
        (["chat"], "non_field_errors"),
        ([{"platform": {}, "day": "2026-06-01"}], "platform"),  # an object as the id (found by the fuzzer)
        ([{"platform": ["chat"], "day": "2026-06-01"}], "platform"),
    ],
)
def test_bad_signals_are_refused_and_nothing_is_stored(employee_user, device_client, tools, body, where):
    _signals_on(tools)
    valid_too = [{"platform": "notes", "day": "2026-06-01"}, *body] if isinstance(body, list) and body else body
    response = device_client(employee_user.employee).post_json(SIGNALS, valid_too)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert where in str(errors), errors
    assert not UsageSignal.objects.exists()


def test_the_oldest_accepted_day_is_seven_days_back(employee_user, device_client, tools):
    _signals_on(tools)
    body = [{"platform": "chat", "day": "2026-05-25"}]
    assert device_client(employee_user.employee).post_json(SIGNALS, body).status_code == 200


def test_recording_signals_runs_the_same_queries_for_one_and_many(employee_user, device_client, tools):
    _signals_on(tools)
    client = device_client(employee_user.employee)
    extra = [PlatformFactory(slug=f"more-{i}") for i in range(20)]

    def queries(body):
        with CaptureQueriesContext(connection) as captured:
            assert client.post_json(SIGNALS, body).status_code == 200
        return len(captured)

    one = queries([{"platform": "chat", "day": "2026-06-01"}])
    many = queries([{"platform": p.slug, "day": day} for p in extra for day in ("2026-05-30", "2026-05-31")])
    assert one == many
    assert UsageSignal.objects.count() == 1 + 40
