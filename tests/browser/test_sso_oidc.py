"""Single sign-on in a real browser: an employee signs in through a real OpenID Connect provider
(oidc-provider-mock, its own process) and lands on /me/; an officer gets the officer role from
the provider's groups claim."""

import pytest
from allauth.socialaccount.models import SocialApp

from governance import roles
from governance.models import User
from governance.roles import Role
from identity.models import RoleMapping
from tests.factories import EmployeeFactory
from tests.identity.oidc_mock import running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def acme_id(provider):
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme",
        name="Acme ID",
        client_id="governance-product",
        secret="client-secret",
        settings={"server_url": provider.url},
    )


def sign_in_through_the_provider(page, subject):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme ID").click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


def test_an_employee_signs_in_through_the_provider_and_lands_on_my_tools(page, provider, acme_id, roles_groups):
    employee = EmployeeFactory(external_id="HR-3001", email="emma@acme.test", full_name="Emma Employee")
    provider.set_user("emma-browser", email="emma@acme.test", email_verified=True, employee_number="HR-3001")

    sign_in_through_the_provider(page, "emma-browser")

    assert page.url.endswith("/me/")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("My AI tools")
    employee.refresh_from_db()
    assert employee.user is not None and not roles.is_privileged(employee.user)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider.url}/oauth2/end_session?**")  # single logout at the provider


def test_an_officer_gets_the_officer_role_from_the_groups_claim(page, provider, acme_id, roles_groups):
    RoleMapping.objects.create(group="GRC-Officers", role=Role.COMPLIANCE_OFFICER)
    EmployeeFactory(external_id="HR-3002", email="olga@acme.test", full_name="Olga Officer")
    provider.set_user("olga-browser", employee_number="HR-3002", groups=["Everyone", "GRC-Officers"])

    sign_in_through_the_provider(page, "olga-browser")

    assert page.url.endswith("/dashboard/")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("Compliance dashboard")
    assert roles.is_compliance_officer(User.objects.get(email="olga@acme.test"))


def test_an_unknown_person_sees_the_not_in_hr_page(page, provider, acme_id):
    provider.set_user("stranger-browser", email="who@acme.test", email_verified=True)

    sign_in_through_the_provider(page, "stranger-browser")

    assert page.get_by_role("heading", level=1).inner_text() == "You are not in the HR records yet"
    assert not User.objects.filter(email="who@acme.test").exists()
