"""The compliance dashboards over HTTP: figures, filters, drill-downs, CSV, access, query counts."""

import csv
import datetime
import io
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus
from compliance.models import ComplianceSnapshot
from governance.roles import Role
from notifications.models import NotificationLog
from people.models import Employee
from tests import scenario
from tests.factories import EmployeeFactory, ObligationFactory, PlatformFactory, failing_answer

pytestmark = pytest.mark.django_db

SATISFIED = {"compliant", "not_used", "excepted"}
ACTION = {"pending", "noncompliant"}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def org(today, make_user):
    """Demo-like organization: one root, two departments (one with a sub-department), two
    tools, a manager with two reports, obligations in every state, an exception, a reminder."""
    manager_user = make_user()
    past, future = -5, 20
    org = scenario.build(
        today=today,
        departments=[
            ("root", "Corp", None),
            ("eng", "Engineering", "root"),
            ("platform_team", "Platform", "eng"),
            ("sales", "Sales", "root"),
        ],
        rules={"x": {"platform__name": "ChatGPT"}, "y": {"platform__name": "Claude"}},
        people={
            "boss": manager_user.employee,
            "ceo": {"department": "root", "country": "US"},
            "dev": {"department": "eng", "manager": "boss", "country": "DE", "handles_customer_data": True},
            "sre": {"department": "platform_team", "manager": "boss", "country": "DE"},
            "rep": {"department": "sales", "country": "FR", "handles_customer_data": True},
            "rep2": {"department": "sales", "country": "FR", "handles_customer_data": True},
        },
        obligations=[
            ("ceo", "x", ObligationStatus.COMPLIANT, future),
            ("ceo", "y", ObligationStatus.PENDING, past),
            ("dev", "x", ObligationStatus.COMPLIANT, future),
            ("dev", "y", ObligationStatus.NOT_USED, future),
            ("sre", "x", ObligationStatus.NONCOMPLIANT, past),
            ("sre", "y", ObligationStatus.PENDING, future),
            ("rep", "x", ObligationStatus.EXCEPTED, future),
            ("rep", "y", ObligationStatus.NONCOMPLIANT, future),
            ("rep2", "x", ObligationStatus.PENDING, past),
            ("rep2", "y", ObligationStatus.COMPLIANT, future),
        ],
        closed=[({"department": "sales"}, "x", "terminated")],
        exceptions=[
            {"employee": "rep", "rule": "y", "reason": "Customer demo", "status": "requested"},
            {
                "employee": "rep",
                "rule": "x",
                "reason": "Approved",
                "status": "approved",
                "decided_at": timezone.now(),
                "expires_on": today + datetime.timedelta(days=30),
            },
        ],
    )
    boss = org["boss"]
    Employee.objects.filter(pk=boss.pk).update(department=org["eng"])
    boss.refresh_from_db()
    people = {key: person for key, person in org.people.items() if key != "boss"}
    rule_x, rule_y = org["x"], org["y"]
    NotificationLog.objects.create(
        recipient=people["sre"], kind="reminder", day=today, state="sent", claimed_at=timezone.now()
    )
    return org.departments | {"x": rule_x, "y": rule_y, "boss": boss, "manager_user": manager_user} | people


def independent_counts(today, **narrow):
    """Figures counted in Python from the obligation rows, without the selectors."""
    rows = list(Obligation.objects.filter(closed_at__isnull=True, **narrow).values("status", "due_on"))
    return {
        "total": len(rows),
        "satisfied": sum(r["status"] in SATISFIED for r in rows),
        "unsatisfied": sum(r["status"] in ACTION for r in rows),
        "noncompliant": sum(r["status"] == "noncompliant" for r in rows),
        "overdue": sum(r["status"] in ACTION and r["due_on"] < today for r in rows),
    }


def cards_of(response):
    return {card["key"]: card for card in response.context["cards"]}


def test_headline_figures_equal_counts_from_the_obligations(client, officer, org, today):
    client.force_login(officer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    expected = independent_counts(today)
    cards = cards_of(response)
    assert cards["overdue"]["value"] == expected["overdue"] == 3
    assert cards["noncompliant"]["value"] == expected["noncompliant"] == 2
    rate = round(100 * expected["satisfied"] / expected["total"], 1)
    assert cards["compliance"]["value"] == f"{rate:g}%"
    assert cards["exceptions"]["value"] == 2
    # Handlers: dev (all done), rep (one non-compliant), rep2 (one pending): 1 of 3.
    assert cards["handlers"]["detail"].startswith("1 of 3")
    # Everyone: of the five people with an open obligation only dev has every tool done.
    assert cards["people"]["value"] == "20%"
    assert cards["people"]["detail"] == "1 of 5 people with every tool done"
    assert cards["stale"]["value"] == 0
    html = response.content.decode()
    for card in cards.values():
        assert str(card["value"]) in html


def test_breakdowns_add_up_to_the_summary(client, officer, org, today):
    client.force_login(officer)
    response = client.get(reverse("dashboard"))
    overview = response.context["overview"]
    total = independent_counts(today)["total"]
    # The single root is the focus: its departments, plus its own direct members.
    names = [f.extra["name"] for f in overview.departments]
    assert names == ["Engineering", "Sales", "Corp (direct members)"]
    assert sum(f.total for f in overview.departments) == total
    assert sum(f.total for f in overview.platforms) == total
    assert sum(cell.total for cell in overview.heat_map["cells"].values()) == total
    engineering = overview.departments[0]
    assert engineering.total == independent_counts(today, department__path__startswith=org["eng"].path)["total"]


def test_department_filter_narrows_every_figure(client, officer, org, today):
    client.force_login(officer)
    response = client.get(reverse("dashboard"), {"department": org["eng"].pk})
    expected = independent_counts(today, department__path__startswith=org["eng"].path)
    summary = response.context["overview"].summary
    assert (summary.total, summary.overdue, summary.satisfied) == (
        expected["total"],
        expected["overdue"],
        expected["satisfied"],
    )
    assert [f.extra["name"] for f in response.context["overview"].departments] == [
        "Platform",
        "Engineering (direct members)",
    ]
    assert cards_of(response)["exceptions"]["value"] == 0
    # The filter shows as chosen, in a select listing every department.
    content = response.content.decode()
    assert f'<option value="{org["eng"].pk}" selected>' in content
    for department in ("root", "eng", "platform_team", "sales"):
        assert f'<option value="{org[department].pk}"' in content


@pytest.mark.parametrize(
    ("params", "narrow"),
    [
        ({"country": "fr"}, {"employee__country": "FR"}),
        ({"customer_data": "1"}, {"employee__handles_customer_data": True}),
    ],
)
def test_country_and_customer_data_filters_narrow(client, officer, org, today, params, narrow):
    client.force_login(officer)
    response = client.get(reverse("dashboard"), params)
    assert response.context["overview"].summary.total == independent_counts(today, **narrow)["total"]


def test_tool_filter_narrows(client, officer, org, today):
    client.force_login(officer)
    response = client.get(reverse("dashboard"), {"platform": org["x"].platform_id})
    assert response.context["overview"].summary.total == independent_counts(today, platform=org["x"].platform)["total"]
    # The people cards say which tool those people have done, not every tool.
    cards = cards_of(response)
    name = org["x"].platform.name
    assert cards["people"]["detail"].endswith(f"people with {name} done"), cards["people"]["detail"]
    assert cards["handlers"]["detail"].endswith(f"handlers with {name} done"), cards["handlers"]["detail"]


def test_the_people_lists_and_cards_name_the_filtered_tool_and_say_when_nobody_has_it(client, officer, org):
    client.force_login(officer)
    tool = org["x"].platform
    titles = {
        bucket: client.get(reverse("dashboard-people"), {"bucket": bucket, "platform": tool.pk}).context["title"]
        for bucket in ("people_compliant", "handlers_compliant")
    }
    assert titles == {
        "people_compliant": f"People with {tool.name} done",
        "handlers_compliant": f"Customer-data handlers with {tool.name} done",
    }
    everyone = client.get(reverse("dashboard-people"), {"bucket": "people_compliant"})
    assert everyone.context["title"] == "People with every tool done"
    # A tool nobody has an open obligation for: no "0 of 0 people", no "0 not yet" link.
    unused = PlatformFactory(name="Unused tool")
    cards = cards_of(client.get(reverse("dashboard"), {"platform": unused.pk}))
    for key, unit in (("people", "people"), ("handlers", "handlers")):
        assert cards[key]["value"] == "—"
        assert cards[key]["detail"] == f"no {unit} here have an open obligation"
        assert "secondary" not in cards[key]


def test_overdue_people_are_listed_only_where_something_is_overdue(client, officer, org, today):
    def overdue_list_queries(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard"), params)
        return response, [q for q in queries.captured_queries if "ORDER BY min(due_on)" in q["sql"]]

    client.force_login(officer)
    everyone, searched = overdue_list_queries({})
    overdue = {o.employee_id for o in Obligation.objects.overdue(today)}
    assert {p.pk for p in everyone.context["overdue_people"]} == overdue
    assert len(searched) == 1
    narrow = {"department": org["eng"].pk, "platform": org["y"].platform_id}
    counts = independent_counts(today, department__path__startswith=org["eng"].path, platform=org["y"].platform)
    assert counts["total"] > 0
    assert counts["overdue"] == 0
    response, searched = overdue_list_queries(narrow)
    assert response.context["overdue_people"] == []
    assert searched == []


def test_bad_filters_are_refused_with_a_message(client, officer, org):
    client.force_login(officer)
    response = client.get(reverse("dashboard"), {"department": "999999", "country": "Germany"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Use a two-letter country code." in html
    assert "No such department." in html
    response = client.get(reverse("dashboard-people"), {"bucket": "nonsense"})
    assert response.status_code == 400
    assert "unknown figure" in response.content.decode()


def test_the_dashboard_and_the_api_refuse_bad_filters_in_the_same_words(client, officer, org):
    from compliance.selectors import ComplianceFilters

    params = {"department": "999999", "platform": "999999", "country": "Germany"}
    client.force_login(officer)
    html = client.get(reverse("dashboard"), params).content.decode()
    with pytest.raises(ValidationError) as refused:
        ComplianceFilters.from_params(params, platform_ids=set())
    for message in ("No such department.", "No such tool.", "Use a two-letter country code."):
        assert message in html
    assert refused.value.message_dict == {
        "department": ["No such department."],
        "platform": ["No such tool."],
        "country": ["Use a two-letter country code."],
    }


def drill(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_every_card_drills_down_to_a_list_as_long_as_the_figure(client, officer, org, today):
    client.force_login(officer)
    cards = cards_of(client.get(reverse("dashboard")))
    expected = independent_counts(today)
    assert drill(client, cards["overdue"]["url"]).context["page"].paginator.count == expected["overdue"]
    assert drill(client, cards["noncompliant"]["url"]).context["page"].paginator.count == expected["noncompliant"]
    assert drill(client, cards["compliance"]["url"]).context["page"].paginator.count == expected["satisfied"]
    secondary = cards["compliance"]["secondary"]["url"]
    assert drill(client, secondary).context["page"].paginator.count == expected["unsatisfied"]
    assert drill(client, cards["exceptions"]["url"]).context["page"].paginator.count == 2
    handlers = drill(client, cards["handlers"]["url"]).context["page"]
    assert [p.pk for p in handlers.object_list] == [org["dev"].pk]
    assert drill(client, cards["handlers"]["secondary"]["url"]).context["page"].paginator.count == 2
    people = drill(client, cards["people"]["url"]).context["page"]
    assert [p.pk for p in people.object_list] == [org["dev"].pk]
    not_yet = drill(client, cards["people"]["secondary"]["url"]).context["page"]
    assert {p.pk for p in not_yet.object_list} == {org[name].pk for name in ("ceo", "sre", "rep", "rep2")}


def test_every_heat_map_cell_and_bar_drills_down_to_its_figure(client, officer, org):
    client.force_login(officer)
    response = client.get(reverse("dashboard"))
    cells = [cell for row in response.context["heat"]["rows"] for cell in row["cells"] if cell["figures"]]
    assert cells
    content = response.content.decode()
    for cell in cells:
        assert f'href="{escape(cell["url"])}" title="' in content
        assert f"{cell['figures'].rate:.0f}%" in content
        figures = cell["figures"]
        expected = figures.unsatisfied if cell["bucket"] == "unsatisfied" else figures.total
        assert drill(client, cell["url"]).context["page"].paginator.count == expected
    for chart in (response.context["by_department"], response.context["by_platform"]):
        for bar in chart.bars:
            assert f'<th scope="row"><a href="{escape(bar.url)}">{escape(bar.label)}</a></th>' in content
            assert drill(client, bar.url).context["page"].paginator.count == bar.figures.total
            for segment in bar.segments:
                # Each segment's link is named by its title (the bar chart is a group of links, not an image).
                name = f"{escape(bar.label)}: {segment['value']} {escape(segment['label'].lower())}"
                assert (
                    f'<a href="{escape(segment["url"])}"><title>{name}</title><rect class="{segment["css"]}"' in content
                )
                assert drill(client, segment["url"]).context["page"].paginator.count == segment["value"]


def test_drill_down_list_is_sortable(client, officer, org):
    client.force_login(officer)
    url = reverse("dashboard-people")
    ascending = client.get(url, {"bucket": "all", "sort": "person"}).context["page"].object_list
    descending = client.get(url, {"bucket": "all", "sort": "-person"}).context["page"].object_list
    names = [o.employee.full_name for o in ascending]
    assert names == sorted(names)
    assert [o.employee.full_name for o in descending] == sorted(names, reverse=True)


def test_csv_export_has_the_same_rows_as_the_list(client, officer, org):
    client.force_login(officer)
    url = reverse("dashboard-people")
    params = {"bucket": "all", "sort": "tool"}
    listed = client.get(url, params).context["page"].object_list
    response = client.get(url, {**params, "format": "csv"})
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Employee ID", "Name"]
    assert [(r[0], r[4], r[5]) for r in body] == [(o.employee.external_id, o.platform.name, o.status) for o in listed]


def test_noncompliant_setting_drills_down_to_the_people_who_answered_it_wrongly(client, officer, org):
    from tests.factories import PlatformSettingFactory

    setting = PlatformSettingFactory(platform=org["x"].platform)
    obligation = org["sre"].obligations.get(rule=org["x"])
    failing_answer(obligation, setting, at=timezone.now())
    client.force_login(officer)
    failing = client.get(reverse("dashboard")).context["failing_settings"]
    assert [(row["setting_id"], row["count"]) for row in failing] == [(setting.pk, 1)]
    listed = drill(client, failing[0]["url"]).context["page"].object_list
    assert [o.pk for o in listed] == [obligation.pk]


def test_changes_over_30_days_come_from_the_snapshots(client, officer, org, today):
    client.force_login(officer)
    cards = cards_of(client.get(reverse("dashboard")))
    assert cards["overdue"]["change"]["text"] == "no data 30 days back"
    then = today - datetime.timedelta(days=30)
    ComplianceSnapshot.objects.create(
        day=then, department=org["eng"], platform=org["x"].platform, total=10, compliant=2, pending=8, overdue=7
    )
    ComplianceSnapshot.objects.create(
        day=today - datetime.timedelta(days=1), department=org["sales"], platform=org["x"].platform, total=4
    )
    response = client.get(reverse("dashboard"))
    cards = cards_of(response)
    assert cards["overdue"]["change"] == {"text": "-4 in 30 days", "tone": "good"}
    assert cards["noncompliant"]["change"]["text"] == "+2 in 30 days"
    assert response.context["trend"]["available"] is True
    assert [p.extra["day"] for p in response.context["trend"]["rows"]] == [today - datetime.timedelta(days=1), then]
    content = response.content.decode()
    assert (
        f'<tr><th scope="row">{then:%-d %b %Y}</th><td>20.0%</td><td>10</td><td>2</td><td>0</td><td>7</td></tr>'
        in content
    )
    assert f"<title>{then:%-d %b %Y}: 20.0</title></circle>" in content
    # The department filter applies to the snapshots too.
    filtered = client.get(reverse("dashboard"), {"department": org["sales"].pk})
    assert [p.total for p in filtered.context["trend"]["rows"]] == [4]
    # Snapshots cannot honour a country filter: no trend rather than a wrong one.
    assert client.get(reverse("dashboard"), {"country": "DE"}).context["trend"]["available"] is False


def test_without_a_trend_the_panel_names_the_filters_to_remove(client, officer, org):
    client.force_login(officer)
    content = client.get(reverse("dashboard"), {"country": "DE", "customer_data": "1"}).content.decode()
    assert (
        "no trend with the country and customer-data filters. Remove the country and customer-data filters" in content
    )


def test_a_managers_trend_panel_says_what_the_team_scope_covers_not_to_remove_it(client, org):
    client.force_login(org["manager_user"])
    response = client.get(reverse("dashboard-team"))
    assert response.context["trend"] == {"available": False, "reason": "team"}
    content = response.content.decode()
    assert "Remove" not in content.split('id="trend-heading"', 1)[1].split("</section>", 1)[0]
    assert "there is no trend for your team. The figures on this page cover your direct and indirect reports" in content


def test_dashboard_renders_with_no_data_at_all(client, officer):
    client.force_login(officer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No open obligations for these filters." in html
    assert "No daily snapshots yet" in html


def test_person_page_shows_obligations_attestations_exceptions_and_reminders(client, officer, org):
    client.force_login(officer)
    response = client.get(reverse("dashboard-person", args=[org["rep"].external_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Customer demo" not in html  # reasons stay on the exception pages, not here
    assert len(response.context["obligations"]) == 2
    assert len(response.context["exceptions"]) == 2
    assert any(event["kind"] == "exception" for event in response.context["timeline"])
    reminded = client.get(reverse("dashboard-person", args=[org["sre"].external_id]))
    assert len(reminded.context["notifications"]) == 1
    assert client.get(reverse("dashboard-person", args=["no-such-id"])).status_code == 404


# --- Access -------------------------------------------------------------------------------


def dashboard_urls(org):
    return [
        reverse("dashboard"),
        reverse("dashboard-team"),
        reverse("dashboard-people") + "?bucket=overdue",
        reverse("dashboard-people") + "?bucket=overdue&format=csv",
        reverse("dashboard-person", args=[org["dev"].external_id]),
    ]


def test_employee_gets_403_on_every_dashboard_url(client, employee_user, org):
    client.force_login(employee_user)
    for url in dashboard_urls(org):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    for url in dashboard_urls(org):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_admin_sees_the_dashboard(client, admin_user, org):
    client.force_login(admin_user)
    assert client.get(reverse("dashboard")).status_code == 200


def test_manager_sees_only_their_subtree(client, org, today):
    client.force_login(org["manager_user"])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard-team")
    response = client.get(reverse("dashboard-team"))
    assert response.status_code == 200
    team = [org["dev"].pk, org["sre"].pk]
    expected = independent_counts(today, employee__in=team)
    assert response.context["overview"].summary.total == expected["total"]
    assert cards_of(response)["overdue"]["value"] == expected["overdue"]
    assert "stale" not in cards_of(response)
    listed = client.get(reverse("dashboard-people"), {"bucket": "all"}).context["page"].object_list
    assert {o.employee_id for o in listed} == set(team)
    # Even a filter on another department shows nobody from outside the team.
    sales = client.get(reverse("dashboard-people"), {"bucket": "all", "department": org["sales"].pk})
    assert sales.context["page"].paginator.count == 0
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(reverse("dashboard-people"), {"format": "csv"}).streaming_content).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert {r[0] for r in rows[1:]} == {org["dev"].external_id, org["sre"].external_id}
    assert client.get(reverse("dashboard-person", args=[org["sre"].external_id])).status_code == 200
    assert client.get(reverse("dashboard-person", args=[org["rep"].external_id])).status_code == 404
    assert client.get(reverse("dashboard-person", args=[org["ceo"].external_id])).status_code == 404


def test_officer_who_manages_can_look_at_their_team_only(client, org, roles_groups):
    user = org["manager_user"]
    user.groups.add(roles_groups[Role.COMPLIANCE_OFFICER])
    client.force_login(user)
    everyone = client.get(reverse("dashboard")).context["overview"].summary.total
    team = client.get(reverse("dashboard-team")).context["overview"].summary.total
    assert team < everyone
    listed = client.get(reverse("dashboard-people"), {"bucket": "all", "scope": "team"}).context["page"]
    assert listed.paginator.count == team


# --- Query counts -------------------------------------------------------------------------


def bulk_people(count, *, departments, rules, today):
    """``count`` employees with one obligation per rule, in every status, written in bulk."""
    start = Employee.objects.count()
    people = Employee.objects.bulk_create(
        Employee(
            external_id=f"BULK{start + n:06d}",
            email=f"bulk{start + n}@example.test",
            full_name=f"Bulk Person {start + n}",
            department=departments[n % len(departments)],
            country="DE" if n % 2 else "FR",
            handles_customer_data=n % 3 == 0,
        )
        for n in range(count)
    )
    statuses = list(ObligationStatus.values)
    now = timezone.now()
    Obligation.objects.bulk_create(
        Obligation(
            employee=person,
            rule=rule,
            policy_version_id=rule.version_id,
            platform_id=rule.platform_id,
            department=person.department,
            status=statuses[(n + r) % len(statuses)],
            due_on=today + datetime.timedelta(days=(n % 20) - 10),
            opened_at=now,
        )
        for n, person in enumerate(people)
        for r, rule in enumerate(rules)
    )


def dashboard_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["dashboard", "dashboard-people"])
def test_query_count_is_the_same_for_10_and_500_employees(client, officer, org, today, url_name):
    departments = [org["eng"], org["platform_team"], org["sales"]]
    rules = [org["x"], org["y"]]
    url = reverse(url_name)
    client.force_login(officer)
    bulk_people(10, departments=departments, rules=rules, today=today)
    small = dashboard_queries(client, url)
    bulk_people(490, departments=departments, rules=rules, today=today)
    large = dashboard_queries(client, url)
    assert small == large
    # Counts not dated here: the two "fully compliant" cards ask the counts, then the people;
    # one more asks whether any policy turns the extension's usage signals on (none here).
    assert large <= 19


@pytest.mark.parametrize("dated", [True, False], ids=["counts dated today", "counts not dated"])
def test_team_dashboard_query_count_does_not_grow(client, org, today, dated, request):
    if dated:
        request.getfixturevalue("counts_dated_today")
    client.force_login(org["manager_user"])
    url = reverse("dashboard-team")
    small = dashboard_queries(client, url)
    for _ in range(30):
        ObligationFactory(employee=EmployeeFactory(manager=org["boss"], department=org["eng"]), rule=org["x"])
    assert dashboard_queries(client, url) == small
    # Counts not dated (PostgreSQL): the team's counts are asked first, then the live aggregate.
    # The boss heads the organization: one lookup says so, then the organization's counts and
    # the rows of the people outside the team answer instead of every manager's rows.
    assert small <= (18 if dated else 21)


def test_ids_created_before_they_had_to_be_url_safe_keep_the_lists_and_person_pages_working(client, officer, org):
    # An id with "/" made every list that links to the person answer 500.
    odd = {"sre": "old/id?#%", "rep2": "a b"}
    for person, external_id in odd.items():
        Employee.objects.filter(pk=org[person].pk).update(external_id=external_id)
    client.force_login(officer)
    assert client.get(reverse("dashboard")).status_code == 200
    listed = client.get(reverse("dashboard-people"), {"bucket": "all"})
    assert listed.status_code == 200
    html = listed.content.decode()
    for person, external_id in odd.items():
        link = reverse("dashboard-person", args=[external_id])
        assert f'href="{link}"' in html
        page = client.get(link)
        assert page.status_code == 200 and page.context["employee"] == org[person]
    client.force_login(org["manager_user"])
    assert client.get(reverse("dashboard-team")).status_code == 200
    assert client.get(reverse("dashboard-person", args=[odd["sre"]])).status_code == 200


@pytest.mark.parametrize("setting", ["99999999999999999999", "9223372036854775808", "²", "-1"])
def test_a_setting_that_is_no_database_id_is_a_clear_error(client, officer, org, setting):
    client.force_login(officer)
    response = client.get(reverse("dashboard-people"), {"setting": setting})
    assert response.status_code == 400
    assert "setting: must be the number of a setting." in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/dashboard/people/a%00b/", "/dashboard/?country=D%00", "/dashboard/people/?bucket=all%1b"]
)
def test_control_characters_in_a_dashboard_address_are_a_400_page(client, officer, url):
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "control character" in response.content.decode()
