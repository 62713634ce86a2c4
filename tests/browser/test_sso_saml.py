"""An employee signs in through a real SAML IdP (pysaml2, tests.saml_idp) in chromium and lands
on /me/; signing out ends the IdP session too (single logout)."""

import pytest

from governance import roles
from governance.models import User
from governance.roles import Role
from identity import saml
from identity.models import RoleMapping
from tests.saml_idp.harness import make_credentials, running_idp, sp_metadata

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "acme"
USERS = {
    "employee": {
        "password": "employee-idp-password",
        "name_id": "00u-demo-employee",
        "attributes": {
            "email": ["employee@demo.example"],
            "groups": ["Everyone"],
        },
    },
    "officer": {
        "password": "officer-idp-password",
        "name_id": "00u-demo-officer",
        "attributes": {"email": ["manager@demo.example"], "groups": ["Everyone", "GRC-Officers"]},
    },
}


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saml-browser")
    sp, idp_keys = make_credentials(folder, "sp"), make_credentials(folder, "idp")
    sp_settings = {"advanced": {"x509cert": sp.cert, "private_key": sp.key}}
    (folder / "sp.xml").write_text(sp_metadata(live_server.url, sp_settings, SLUG))
    with running_idp(folder, sp_metadata_files=[folder / "sp.xml"], users=USERS, credentials=idp_keys) as running:
        yield running, sp


@pytest.fixture
def the_idp(idp):
    return idp[0]


@pytest.fixture
def linked_employee(demo, idp):
    """The demo organization with the IdP configured; the demo employee is in the HR records,
    and her first sign-in links her IdP subject by her (trusted) e-mail address."""
    idp, sp = idp
    saml.configure_saml_app(
        organization_slug=SLUG,
        name="Acme IdP",
        idp_entity_id=idp.entity_id,
        metadata_url=idp.metadata_url,
        sp_x509cert=sp.cert,
        sp_private_key=sp.key,
        email_trusted=True,
    )
    return User.objects.get(email="employee@demo.example")


def sign_in_through_the_idp(page, who):
    page.goto("/accounts/login/?next=/me/")
    page.get_by_role("button", name="Sign in with Acme IdP").click()
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(USERS[who]["password"])
    page.get_by_role("button", name="Sign in").click()


def test_an_employee_signs_in_through_the_saml_idp_and_lands_on_my_ai_tools(page, the_idp, linked_employee):
    sign_in_through_the_idp(page, "employee")
    page.wait_for_url("**/me/")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("My AI tools")
    assert "employee" in the_idp.state()["sessions"]


def test_an_officer_gets_the_officer_role_from_the_idps_group(page, the_idp, linked_employee):
    RoleMapping.objects.create(group="GRC-Officers", role=Role.COMPLIANCE_OFFICER)
    sign_in_through_the_idp(page, "officer")
    page.wait_for_url("**/me/")
    assert roles.is_compliance_officer(User.objects.get(email="manager@demo.example"))
    assert page.goto("/dashboard/").status == 200  # an employee alone would get 403 here


def test_idp_initiated_sign_in_from_the_idps_dashboard_lands_on_my_ai_tools(
    page, live_server, the_idp, linked_employee
):
    sp_entity = f"{live_server.url}/sso/saml/{SLUG}/metadata/"
    page.goto(f"{the_idp.base}/start?sp={sp_entity}&relay_state=/me/")
    page.get_by_label("Username").fill("employee")
    page.get_by_label("Password").fill(USERS["employee"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me/")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith("My AI tools")


def test_signing_out_ends_the_session_at_the_idp_too(page, the_idp, linked_employee):
    sign_in_through_the_idp(page, "employee")
    page.wait_for_url("**/me/")
    assert "employee" in the_idp.state()["sessions"]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    assert "employee" not in the_idp.state()["sessions"]
    page.goto("/me/")
    assert "/accounts/login/" in page.url
