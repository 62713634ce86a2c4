import pytest
from django.urls import reverse

from attestations.services.attest import submit_attestation
from tests.attestations.builders import published_obligations
from tests.factories import EmployeeFactory, ObligationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_user(make_user):
    return make_user()


@pytest.fixture
def team(manager_user):
    """manager -> lead -> engineer, plus someone outside the team."""
    manager = manager_user.employee
    lead = EmployeeFactory(full_name="Liam Lead", manager=manager)
    engineer = EmployeeFactory(full_name="Sofia Silva", manager=lead)
    outsider = EmployeeFactory(full_name="Otto Outsider")
    version, (lead_obligation, other) = published_obligations(lead, tools=2)
    engineer_obligation = ObligationFactory(employee=engineer, rule=lead_obligation.rule, policy_version=version)
    ObligationFactory(employee=outsider, rule=lead_obligation.rule, policy_version=version)
    submit_attestation(
        obligation=engineer_obligation,
        answers={},
        tool_used=False,
        statement="s",
        signature=engineer.full_name,
        actor=None,
    )
    return {"lead": lead, "engineer": engineer, "outsider": outsider, "platform": lead_obligation.platform}


def test_manager_sees_direct_and_indirect_reports_with_status_per_tool(client, manager_user, team):
    client.force_login(manager_user)
    page = client.get(reverse("team")).content.decode()
    assert "Liam Lead" in page and "Sofia Silva" in page
    assert "via Liam Lead" in page
    assert team["platform"].name in page
    assert "Not used" in page and "Due on" in page
    assert "1 of 3" in page


def test_manager_never_sees_people_outside_their_team(client, manager_user, team):
    client.force_login(manager_user)
    assert "Otto Outsider" not in client.get(reverse("team")).content.decode()


def test_a_report_does_not_see_their_manager_or_peers(client, make_user, team):
    user = make_user()
    type(user.employee).objects.filter(pk=user.employee.pk).update(
        manager=team["lead"], reporting_path=team["lead"].subtree_prefix
    )
    client.force_login(user)
    page = client.get(reverse("team")).content.decode()
    assert "no reports" in page
    assert "Sofia Silva" not in page and "Liam Lead" not in page


def test_employee_without_reports_gets_an_empty_state(client, employee_user, team):
    client.force_login(employee_user)
    response = client.get(reverse("team"))
    assert response.status_code == 200
    assert "no reports" in response.content.decode()
    assert "Otto Outsider" not in response.content.decode()


def test_team_page_is_read_only(client, manager_user, team):
    client.force_login(manager_user)
    assert client.post(reverse("team")).status_code == 405


@pytest.mark.parametrize("size", [3, 25])
def test_team_query_count_does_not_grow_with_the_team(client, manager_user, size, django_assert_max_num_queries):
    manager = manager_user.employee
    reports = [EmployeeFactory(manager=manager) for _ in range(size)]
    version, (first, second) = published_obligations(reports[0], tools=2)
    for person in reports[1:]:
        ObligationFactory(employee=person, rule=first.rule, policy_version=version)
        ObligationFactory(employee=person, rule=second.rule, policy_version=version)
    client.force_login(manager_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("team"))
    assert response.content.decode().count("<tr>") == size + 1
