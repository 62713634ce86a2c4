"""The officers' "Tools in use" page is linked where the other officer pages are (the
navigation bar) and from the dashboard; employees and managers see neither link."""

import pytest
from django.urls import reverse

from governance.roles import Role
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

TOOLS_IN_USE = reverse("extension:tools-in-use")
LINK = f'<a href="{TOOLS_IN_USE}">Tools in use</a>'


def _links(response):
    assert response.status_code == 200
    return response.content.decode().count(LINK)


@pytest.mark.parametrize("role", [Role.COMPLIANCE_OFFICER, Role.GOVERNANCE_ADMIN])
def test_officers_find_it_in_the_navigation_and_on_the_dashboard(client, make_user, role):
    client.force_login(make_user(role))
    # the bar twice (wide and narrow menus), the dashboard once
    assert _links(client.get(reverse("dashboard"))) == 3
    assert _links(client.get(reverse("platforms:list"))) == 2
    assert client.get(TOOLS_IN_USE).status_code == 200


def test_employees_see_no_link_to_it(client, employee_user):
    client.force_login(employee_user)
    assert _links(client.get(reverse("me"))) == 0
    assert _links(client.get(reverse("platforms:list"))) == 0
    assert client.get(TOOLS_IN_USE).status_code == 403


def test_a_manager_sees_no_link_to_it_on_the_team_page(client, make_user):
    manager = make_user()
    EmployeeFactory(manager=manager.employee)
    client.force_login(manager)
    assert _links(client.get(reverse("team"))) == 0
