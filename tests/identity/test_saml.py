"""SAML 2.0 sign-in and single logout against a real IdP process (pysaml2, tests.saml_idp):
SP- and IdP-initiated, signatures required, replays refused, the claims of a real sign-in."""

import base64
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import pre_social_login
from django.test import Client

from governance import roles
from governance.models import AuditEvent, User
from governance.roles import Role
from identity import saml
from identity.models import RoleMapping
from tests.saml_idp.harness import Credentials, RunningIdP, make_credentials, running_idp, sp_metadata

pytestmark = pytest.mark.django_db

SLUG = "acme"
SP_BASE = "http://localhost"  # python3-saml refuses single-label hosts such as "testserver"
SP_ENTITY = f"{SP_BASE}/sso/saml/{SLUG}/metadata/"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
USERS = {
    "emma": {
        "password": "emma-idp-password",
        "name_id": "00u-emma-7f3a",
        "attributes": {
            EMAIL: ["Emma.Stone@acme.example"],
            "employeeNumber": ["E-1001"],
            "displayName": ["Emma Stone"],
            "groups": ["Everyone", "GRC-Officers"],
        },
    },
    "mallory": {
        "password": "mallory-idp-password",
        "name_id": "00u-mallory-99",
        "attributes": {EMAIL: ["mallory@acme.example"], "employeeNumber": ["E-6666"], "groups": ["Everyone"]},
    },
}


@dataclass
class World:
    idp: RunningIdP
    sp: Credentials


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saml")
    sp, idp_keys = make_credentials(folder, "sp"), make_credentials(folder, "idp")
    (folder / "sp.xml").write_text(
        sp_metadata(SP_BASE, {"advanced": {"x509cert": sp.cert, "private_key": sp.key}}, SLUG)
    )
    with running_idp(folder, sp_metadata_files=[folder / "sp.xml"], users=USERS, credentials=idp_keys) as idp:
        yield World(idp, sp)


@pytest.fixture
def client():
    return Client(HTTP_HOST="localhost")


def configure(world, **options):
    defaults = {
        "idp_entity_id": world.idp.entity_id,
        "metadata_url": world.idp.metadata_url,
        "sp_x509cert": world.sp.cert,
        "sp_private_key": world.sp.key,
        "email_trusted": True,
    }
    return saml.configure_saml_app(organization_slug=SLUG, name="Acme IdP", **{**defaults, **options})


@pytest.fixture
def app(world):
    return configure(world)


@pytest.fixture
def emma(make_user):
    return make_user(email="emma.stone@acme.example", full_name="Emma Stone")


@pytest.fixture
def linked(emma, app):
    """Emma's IdP subject was linked to her account at an earlier sign-in."""
    return SocialAccount.objects.create(user=emma, provider=app.provider_id, uid=USERS["emma"]["name_id"])


@pytest.fixture
def idp_browser():
    """The browser's side at the IdP: its own cookies, real HTTP to the IdP process."""
    with requests.Session() as session:
        yield session


def form_of(page: str) -> tuple[str, dict]:
    form = lxml.html.fromstring(page).forms[0]
    return form.action, dict(form.form_values())


def idp_sign_in(idp_browser, url: str, username: str) -> tuple[str, dict]:
    """Open ``url`` at the IdP, sign in there if asked; the form the IdP posts to the SP."""
    page = idp_browser.get(url, timeout=10)
    assert page.status_code == 200, page.text
    action, fields = form_of(page.text)
    if "SAMLResponse" not in fields:
        fields.update(username=username, password=USERS[username]["password"])
        page = idp_browser.post(urljoin(url, action), data=fields, timeout=10)
        assert page.status_code == 200, page.text
        action, fields = form_of(page.text)
    return action, fields


def post_to_sp(client, action: str, fields: dict):
    """The browser posts the IdP's form to the ACS, allauth moves on to acs/finish/."""
    assert action == f"{SP_BASE}/sso/saml/{SLUG}/acs/"
    response = client.post(urlsplit(action).path, fields)
    assert response.status_code == 302
    return client.get(response["Location"])


def sp_initiated(client, idp_browser, username="emma", next_url="/me/"):
    start = client.post(f"/sso/saml/{SLUG}/login/", {"next": next_url})
    assert start.status_code == 302
    assert "SAMLRequest=" in start["Location"] and "Signature=" in start["Location"]
    return post_to_sp(client, *idp_sign_in(idp_browser, start["Location"], username))


def idp_initiated(client, idp_browser, world, username="emma", sign="assertion", relay_state="/me/"):
    url = f"{world.idp.base}/start?sp={SP_ENTITY}&relay_state={relay_state}&sign={sign}"
    return post_to_sp(client, *idp_sign_in(idp_browser, url, username))


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- sign-in ------------------------------------------------------------------------------


def test_the_sp_metadata_tells_the_idp_where_to_post_and_that_assertions_must_be_signed(client, app):
    response = client.get(f"/sso/saml/{SLUG}/metadata/")
    assert response.status_code == 200
    xml = response.content.decode()
    assert f'entityID="{SP_ENTITY}"' in xml
    assert f'Location="{SP_BASE}/sso/saml/{SLUG}/acs/"' in xml
    assert f'Location="{SP_BASE}/sso/saml/{SLUG}/sls/"' in xml
    assert 'WantAssertionsSigned="true"' in xml and 'AuthnRequestsSigned="true"' in xml


def test_sp_initiated_sign_in_of_a_linked_employee_lands_on_the_page_asked_for(client, idp_browser, linked):
    landed = sp_initiated(client, idp_browser)
    assert landed.status_code == 302 and landed["Location"] == "/me/"
    assert signed_in_as(client) == str(linked.user_id)
    linked.refresh_from_db()
    assert linked.extra_data["name_id"] == USERS["emma"]["name_id"]
    assert linked.extra_data["attributes"]["employeeNumber"] == ["E-1001"]
    assert client.session[saml.SESSION_KEY]["session_index"] == linked.extra_data["session_index"]
    assert client.get("/me/").status_code == 200


def test_idp_initiated_sign_in_lands_signed_in_on_the_relay_state(client, idp_browser, world, linked):
    landed = idp_initiated(client, idp_browser, world)
    assert landed.status_code == 302 and landed["Location"] == "/me/"
    assert signed_in_as(client) == str(linked.user_id)


def test_an_idp_initiated_relay_state_to_another_site_is_ignored(client, idp_browser, world, linked):
    landed = idp_initiated(client, idp_browser, world, relay_state="https://evil.example/")
    assert signed_in_as(client) == str(linked.user_id)
    assert "evil.example" not in landed["Location"]


def test_idp_initiated_sign_in_is_refused_when_the_admin_switched_it_off(client, idp_browser, world, linked):
    configure(world, allow_idp_initiated=False)
    refused = idp_initiated(client, idp_browser, world)
    assert refused.status_code == 400 and signed_in_as(client) is None
    # SP-initiated still works for the same person.
    assert sp_initiated(client, idp_browser)["Location"] == "/me/"


@pytest.mark.parametrize("sign", ["none", "response"])
def test_an_assertion_without_its_own_signature_is_refused(client, idp_browser, world, linked, sign):
    refused = idp_initiated(client, idp_browser, world, sign=sign)
    assert refused.status_code == 400 and signed_in_as(client) is None
    assert "signed" in refused.context["saml_last_error_reason"].lower()


def test_unsigned_assertions_are_refused_even_if_the_stored_settings_allow_them(
    client, idp_browser, world, linked, app
):
    app.settings["advanced"]["want_assertion_signed"] = False
    app.save()
    # Only the response is signed: python3-saml would take that unless the rule is enforced.
    refused = idp_initiated(client, idp_browser, world, sign="response")
    assert refused.status_code == 400 and signed_in_as(client) is None


def test_a_tampered_assertion_is_refused(client, idp_browser, world, linked, make_user):
    action, fields = idp_sign_in(idp_browser, f"{world.idp.base}/start?sp={SP_ENTITY}&relay_state=/me/", "mallory")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    # Mallory rewrites her signed assertion to carry Emma's subject.
    forged = xml.replace(USERS["mallory"]["name_id"], USERS["emma"]["name_id"])
    assert forged != xml
    refused = post_to_sp(client, action, {**fields, "SAMLResponse": base64.b64encode(forged.encode()).decode()})
    assert refused.status_code == 400 and signed_in_as(client) is None
    assert "signature" in refused.context["saml_last_error_reason"].lower()


def test_a_replayed_assertion_signs_nobody_in(client, idp_browser, world, linked):
    action, fields = idp_sign_in(idp_browser, f"{world.idp.base}/start?sp={SP_ENTITY}&relay_state=/me/", "emma")
    assert post_to_sp(client, action, fields)["Location"] == "/me/"
    client.logout()
    replayed = post_to_sp(client, action, fields)
    assert replayed.status_code == 400 and signed_in_as(client) is None
    assert replayed.context["saml_errors"] == ["replayed_assertion"]


# --- what a real sign-in says, for linking and roles --------------------------------------


@pytest.fixture
def captured():
    """The sociallogin allauth builds from the IdP's response, as the linking adapter gets it."""
    seen = []

    def keep(sender, request, sociallogin, **kwargs):
        seen.append(sociallogin)

    pre_social_login.connect(keep, dispatch_uid="test_saml.captured")
    yield seen
    pre_social_login.disconnect(dispatch_uid="test_saml.captured")


def test_a_first_sign_in_links_the_subject_to_the_hr_record_by_its_hr_id(client, idp_browser, app, emma, captured):
    emma.employee.external_id = "E-1001"
    emma.employee.save()
    landed = sp_initiated(client, idp_browser)
    assert landed["Location"] == "/me/" and signed_in_as(client) == str(emma.pk)
    claims = saml.saml_claims(captured[0], app)
    assert claims == {
        "subject": USERS["emma"]["name_id"],
        "email": "emma.stone@acme.example",
        "email_verified": True,
        "employee_number": "E-1001",
        "groups": ["Everyone", "GRC-Officers"],
        "full_name": "Emma Stone",
    }
    assert [(a.email, a.verified) for a in captured[0].email_addresses] == [("emma.stone@acme.example", True)]
    link = SocialAccount.objects.get(provider=app.provider_id)
    assert (link.user, link.uid) == (emma, USERS["emma"]["name_id"])
    assert AuditEvent.objects.get(action="identity.subject_linked").after["how"] == "hr_id"


def test_the_groups_of_a_sign_in_become_roles_through_the_role_mapping(client, idp_browser, app, linked):
    RoleMapping.objects.create(group="grc-officers", role=Role.COMPLIANCE_OFFICER)
    sp_initiated(client, idp_browser)
    assert roles.is_compliance_officer(User.objects.get(pk=linked.user_id))
    RoleMapping.objects.filter(group="grc-officers").update(group="grc-auditors")
    client.logout()
    sp_initiated(client, idp_browser)  # the IdP no longer sends a group that carries the role
    assert not roles.is_compliance_officer(User.objects.get(pk=linked.user_id))


def test_an_idp_that_is_not_trusted_for_e_mail_links_nobody_by_e_mail(client, idp_browser, world, emma):
    configure(world, email_trusted=False)
    refused = sp_initiated(client, idp_browser)
    # Emma's address matches her HR record, but this IdP's word on addresses is not trusted.
    assert refused.status_code == 403 and refused.context["reason"] == "not_in_hr"
    assert signed_in_as(client) is None and not SocialAccount.objects.exists()
    event = AuditEvent.objects.get(action="account.sign_in_refused")
    assert event.after["email"] == "emma.stone@acme.example" and event.after["reason"] == "not_in_hr"


# --- single logout --------------------------------------------------------------------------


def test_sp_initiated_single_logout_ends_both_sessions(client, idp_browser, world, linked):
    sp_initiated(client, idp_browser)
    assert "emma" in world.idp.state()["sessions"]
    out = client.post("/accounts/logout/")
    assert signed_in_as(client) is None  # ended here before the IdP answers
    onward = out.context["provider_logout"]
    assert out.status_code == 200 and onward.startswith(f"{world.idp.base}/slo/redirect?SAMLRequest=")
    assert "Signature=" in onward
    answer = idp_browser.get(onward, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    sls = urlsplit(answer.headers["Location"])
    assert f"{sls.scheme}://{sls.netloc}{sls.path}" == f"{SP_BASE}/sso/saml/{SLUG}/sls/"
    done = client.get(f"{sls.path}?{sls.query}")
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    state = world.idp.state()
    assert "emma" not in state["sessions"]  # every IdP session of hers, as Okta ends them
    [request] = state["logouts"][-1:]
    assert request["name_id"] == USERS["emma"]["name_id"] and request["ended"] >= 1
    assert request["session_indexes"] == [linked.__class__.objects.get(pk=linked.pk).extra_data["session_index"]]


def test_signing_out_without_a_saml_session_only_signs_out_here(client, emma):
    client.force_login(emma)
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_idp_initiated_single_logout_ends_the_session_here(client, idp_browser, world, linked):
    sp_initiated(client, idp_browser)
    ask = idp_browser.get(f"{world.idp.base}/logout-start?sp={SP_ENTITY}", allow_redirects=False, timeout=10)
    assert ask.status_code == 302
    sls = urlsplit(ask.headers["Location"])
    assert sls.path == f"/sso/saml/{SLUG}/sls/"
    answer = client.get(f"{sls.path}?{sls.query}")
    assert signed_in_as(client) is None
    assert answer.status_code == 302 and answer["Location"].startswith(f"{world.idp.base}/slo/redirect?SAMLResponse=")
    assert idp_browser.get(answer["Location"], timeout=10).status_code == 200
    assert world.idp.state()["logouts"][-1]["status"].endswith(":Success")


def test_the_sign_in_page_may_send_its_form_on_to_the_idp(client, world, app):
    # A plain visit to the IdP's sign-in address leads to the sign-in page, whose button starts it.
    assert client.get(f"/sso/saml/{SLUG}/login/?next=/me/")["Location"] == "/accounts/login/?next=/me/"
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    assert form_action.split() == ["form-action", "'self'", world.idp.base]
    # Every other page keeps form-action to this site alone.
    other = client.get("/accounts/password_reset/")["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in other.split(";") if d.strip()}
    assert directives["form-action"] == ["'self'"] and "127.0.0.1" not in other


def test_an_idp_given_by_certificate_and_urls_instead_of_metadata_works_the_same(client, idp_browser, world, linked):
    configure(
        world,
        metadata_url="",
        x509cert=world.idp.credentials.cert,
        sso_url=f"{world.idp.base}/sso/redirect",
        slo_url=f"{world.idp.base}/slo/redirect",
    )
    assert sp_initiated(client, idp_browser)["Location"] == "/me/"
    assert signed_in_as(client) == str(linked.user_id)


def test_an_assertion_signed_by_another_key_is_refused(client, idp_browser, world, linked, tmp_path):
    configure(
        world,
        metadata_url="",
        x509cert=make_credentials(tmp_path, "impostor").cert,
        sso_url=f"{world.idp.base}/sso/redirect",
    )
    refused = sp_initiated(client, idp_browser)
    assert refused.status_code == 400 and signed_in_as(client) is None
