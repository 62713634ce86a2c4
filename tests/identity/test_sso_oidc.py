"""Single sign-on through a real OpenID Connect provider (oidc-provider-mock, its own process):
each linking rule, roles from the groups claim, refusals, and where a session ends."""

import html
import itertools
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount

from governance import roles
from governance.models import AuditEvent, User
from governance.roles import Role
from identity.models import PendingLink, ProviderOptions, RoleMapping
from identity.services.sign_in import approve_link
from people.models import Employee
from people.services.hr import terminate_employee
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

_subjects = itertools.count(1)


def subject() -> str:
    """A subject no other test used: the provider process lives for the whole session."""
    return f"subject-{next(_subjects)}"


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_an_employee_without_an_account_signs_in_by_hr_id_and_gets_a_plain_linked_account(
    client, oidc_provider, oidc_app
):
    employee = EmployeeFactory(external_id="HR-1001", email="ann@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, email="ann.other@acme.test", email_verified=False, employee_number="HR-1001")

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 302 and response["Location"] == "/me/"
    employee.refresh_from_db()
    user = signed_in_user(client)
    assert user == employee.user and user.email == "ann@acme.test" and not user.has_usable_password()
    assert not roles.is_privileged(user)
    assert SocialAccount.objects.get(provider="mock", uid=sub).user == user
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account.created", "employee.account_linked", "identity.subject_linked", "account.signed_in"} <= actions
    assert client.get("/me/").status_code == 200


def test_the_link_is_made_once_and_keys_later_sign_ins(client, oidc_provider, oidc_app):
    employee = EmployeeFactory(external_id="HR-1002", email="bo@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, email="bo@acme.test", email_verified=True)
    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    client.logout()
    # Later the provider sends neither the HR id nor the address: the subject alone is enough.
    oidc_provider.set_user(sub, email="renamed@elsewhere.test", email_verified=False)

    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    employee.refresh_from_db()
    assert signed_in_user(client) == employee.user
    assert SocialAccount.objects.filter(provider="mock").count() == 1


def test_a_verified_email_links_an_existing_plain_account(client, oidc_provider, oidc_app, make_user):
    user = make_user(employee=False, email="cy@acme.test")
    employee = EmployeeFactory(external_id="HR-1003", email="cy@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, email="CY@acme.test", email_verified=True)

    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    employee.refresh_from_db()
    assert employee.user == user == signed_in_user(client)


def test_an_unverified_email_links_nobody(client, oidc_provider, oidc_app):
    employee = EmployeeFactory(external_id="HR-1004", email="di@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, email="di@acme.test", email_verified=False)

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 403 and b"not in the HR records yet" in response.content
    employee.refresh_from_db()
    assert employee.user is None and signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_an_unknown_person_gets_the_not_in_hr_page_and_no_account(client, oidc_provider, oidc_app):
    sub = subject()
    oidc_provider.set_user(sub, email="stranger@acme.test", email_verified=True, employee_number="NOPE-1")

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 403
    assert b"You are not in the HR records yet" in response.content
    assert not User.objects.filter(email="stranger@acme.test").exists()
    assert not Employee.objects.filter(email="stranger@acme.test").exists()
    refusal = AuditEvent.objects.get(action="account.sign_in_refused")
    assert refusal.after["reason"] == "not_in_hr" and refusal.after["subject"] == sub


def test_just_in_time_creation_is_an_explicit_option(client, oidc_provider, oidc_app):
    ProviderOptions.objects.create(provider_id="mock", just_in_time=True, allowed_email_domains="acme.test")
    sub = subject()
    oidc_provider.set_user(sub, email="new.hire@acme.test", email_verified=True, name="New Hire")

    response = oidc_provider.sign_in(client, sub)

    assert response["Location"] == "/me/"
    employee = Employee.objects.get(email="new.hire@acme.test")
    assert employee.full_name == "New Hire" and employee.external_id.startswith("sso-")
    assert employee.user == signed_in_user(client) and not roles.is_privileged(employee.user)
    assert AuditEvent.objects.filter(action="employee.created_just_in_time", object_id=str(employee.pk)).exists()


def test_just_in_time_still_needs_a_verified_address_in_an_allowed_domain(client, oidc_provider, oidc_app):
    ProviderOptions.objects.create(provider_id="mock", just_in_time=True, allowed_email_domains="acme.test")
    unverified, elsewhere = subject(), subject()
    oidc_provider.set_user(unverified, email="maybe@acme.test", email_verified=False)
    oidc_provider.set_user(elsewhere, email="someone@gmail.test", email_verified=True)

    assert oidc_provider.sign_in(client, unverified).status_code == 403
    assert oidc_provider.sign_in(client, elsewhere).status_code == 403
    assert not Employee.objects.exists() and not User.objects.exists()


def test_a_terminated_employee_is_refused(client, oidc_provider, oidc_app):
    EmployeeFactory(external_id="HR-1005", email="ed@acme.test", status="terminated", terminated_on="2026-01-31")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1005")

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 403 and b"Your employee record has ended" in response.content
    assert not User.objects.exists()


def test_allowed_email_domains_are_enforced(client, oidc_provider, oidc_app):
    ProviderOptions.objects.create(provider_id="mock", allowed_email_domains="acme.test\nacme-subsidiary.test")
    EmployeeFactory(external_id="HR-1006", email="fi@contractor.test")
    EmployeeFactory(external_id="HR-1007", email="gu@acme-subsidiary.test")
    outsider, insider = subject(), subject()
    oidc_provider.set_user(outsider, employee_number="HR-1006", email="fi@contractor.test", email_verified=True)
    oidc_provider.set_user(insider, employee_number="HR-1007", email="gu@acme-subsidiary.test", email_verified=True)

    assert oidc_provider.sign_in(client, outsider).status_code == 403
    assert oidc_provider.sign_in(client, insider)["Location"] == "/me/"


@pytest.mark.parametrize(
    "rights",
    [
        {"is_staff": True},
        {"is_superuser": True},
        {"groups": [Role.COMPLIANCE_OFFICER]},
        {"groups": [Role.GOVERNANCE_ADMIN]},
    ],
    ids=["staff", "superuser", "officer", "admin"],
)
def test_a_privileged_account_is_never_linked_silently(client, oidc_provider, oidc_app, make_user, admin_user, rights):
    groups = rights.pop("groups", [])
    user = make_user(*groups, **rights)
    sub = subject()
    oidc_provider.set_user(sub, employee_number=user.employee.external_id)

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 403 and b"governance admin must confirm" in response.content
    assert signed_in_user(client) is None and not SocialAccount.objects.exists()
    pending = PendingLink.objects.get(provider_id="mock", uid=sub)
    assert pending.user == user and pending.status == PendingLink.Status.PENDING

    oidc_provider.sign_in(client, sub)  # asking again keeps the one open request
    assert PendingLink.objects.filter(uid=sub).count() == 1

    approve_link(pending=pending, actor=admin_user)
    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    assert signed_in_user(client) == user


def test_an_admin_approves_a_pending_link_in_the_admin(client, oidc_provider, oidc_app, make_user):
    officer = make_user(Role.COMPLIANCE_OFFICER)
    sub = subject()
    oidc_provider.set_user(sub, employee_number=officer.employee.external_id)
    oidc_provider.sign_in(client, sub)
    pending = PendingLink.objects.get(uid=sub)
    superuser = User.objects.create_superuser(email="root@acme.test", password="a long admin password")
    admin_client = client.__class__()
    admin_client.force_login(superuser)

    answer = admin_client.post(
        "/admin/identity/pendinglink/", {"action": "approve", "_selected_action": [pending.pk]}, follow=True
    )

    assert b"1 link(s) approved" in answer.content
    pending.refresh_from_db()
    assert pending.status == PendingLink.Status.APPROVED and pending.decided_by == superuser
    assert SocialAccount.objects.get(uid=sub).user == officer
    assert AuditEvent.objects.filter(action="identity.link_approved", actor=superuser).exists()


def test_a_second_subject_for_an_already_linked_account_is_refused(client, oidc_provider, oidc_app):
    EmployeeFactory(external_id="HR-1008", email="ha@acme.test")
    first, second = subject(), subject()
    oidc_provider.set_user(first, employee_number="HR-1008")
    oidc_provider.set_user(second, employee_number="HR-1008")
    assert oidc_provider.sign_in(client, first)["Location"] == "/me/"
    client.logout()

    response = oidc_provider.sign_in(client, second)

    assert response.status_code == 403 and b"already linked" in response.content
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == [first]


def test_roles_follow_the_groups_claim_at_every_sign_in(client, oidc_provider, oidc_app):
    RoleMapping.objects.create(group="grc-officers", role=Role.COMPLIANCE_OFFICER)
    employee = EmployeeFactory(external_id="HR-1009", email="io@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1009", groups=["Everyone", "GRC-Officers"])

    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    employee.refresh_from_db()
    assert roles.is_compliance_officer(User.objects.get(pk=employee.user_id))
    assert client.get("/dashboard/").status_code == 200
    client.logout()

    oidc_provider.set_user(sub, employee_number="HR-1009", groups=["Everyone"])
    oidc_provider.sign_in(client, sub)
    assert not roles.is_compliance_officer(User.objects.get(pk=employee.user_id))
    assert client.get("/dashboard/").status_code == 403


def test_the_groups_claim_name_is_a_provider_option(client, oidc_provider, oidc_app):
    ProviderOptions.objects.create(provider_id="mock", groups_claim="roles", employee_number_claim="employeeid")
    RoleMapping.objects.create(group="GRC admins", role=Role.GOVERNANCE_ADMIN)
    employee = EmployeeFactory(external_id="HR-1010", email="jo@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employeeid="HR-1010", roles=["GRC admins"], groups=["ignored"])

    assert oidc_provider.sign_in(client, sub)["Location"] == "/me/"
    employee.refresh_from_db()
    assert roles.is_governance_admin(User.objects.get(pk=employee.user_id))


def test_hostile_claims_are_refused_with_a_clear_page(client, oidc_provider, oidc_app):
    EmployeeFactory(external_id="HR-1011", email="ka@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1011", groups={"not": "a list"})

    response = oidc_provider.sign_in(client, sub)

    assert response.status_code == 403 and b"groups in a form this product does not accept" in response.content
    assert not User.objects.exists()


def test_an_sso_session_ends_when_the_employee_is_terminated(client, oidc_provider, oidc_app):
    employee = EmployeeFactory(external_id="HR-1012", email="lu@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1012")
    oidc_provider.sign_in(client, sub)
    assert client.get("/me/").status_code == 200

    terminate_employee(employee=employee, actor_label="hr")

    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert oidc_provider.sign_in(client, sub).status_code == 403  # and the provider cannot bring it back


def test_the_authorization_request_uses_pkce(client, oidc_provider, oidc_app):
    started = client.post("/sso/oidc/mock/login/", {"next": "/me/"})
    query = parse_qs(urlsplit(started["Location"]).query)
    assert started["Location"].startswith(f"{oidc_provider.url}/oauth2/authorize")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["redirect_uri"] == ["http://testserver/sso/oidc/mock/login/callback/"]


def test_sign_out_ends_the_session_at_the_provider_too(client, oidc_provider, oidc_app):
    EmployeeFactory(external_id="HR-1013", email="mo@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1013")
    oidc_provider.sign_in(client, sub)

    response = client.post("/accounts/logout/")

    assert signed_in_user(client) is None and response.status_code == 200
    location = html.unescape(re.search(r'content="0;url=([^"]+)"', response.content.decode()).group(1))
    assert location.startswith(f"{oidc_provider.url}/oauth2/end_session?")
    query = parse_qs(urlsplit(location).query)
    assert query == {
        "client_id": ["governance-product"],
        "post_logout_redirect_uri": ["http://testserver/accounts/login/"],
    }
    assert "post_logout_redirect_uri" in httpx.get(location, timeout=5).text


def test_sign_out_after_a_password_sign_in_stays_here(client, make_user, oidc_app):
    client.force_login(make_user())
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/" and signed_in_user(client) is None


def test_a_provider_fixed_by_the_environment_signs_people_in(client, oidc_provider, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "locked",
                    "name": "Locked IdP",
                    "client_id": "env-client",
                    "secret": "env-secret",
                    "settings": {"server_url": oidc_provider.url, "claims": {"employee_number": "hrid"}},
                }
            ],
        }
    }
    employee = EmployeeFactory(external_id="HR-1014", email="ne@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, hrid="HR-1014")
    assert "Sign in with Locked IdP" in client.get("/accounts/login/").content.decode()

    assert oidc_provider.sign_in(client, sub, provider_id="locked")["Location"] == "/me/"
    employee.refresh_from_db()
    assert signed_in_user(client) == employee.user


@pytest.mark.parametrize("process", ["connect", "redirect"])
def test_allauths_connect_and_redirect_flows_link_nothing(client, oidc_provider, oidc_app, make_user, process):
    client.force_login(make_user())
    EmployeeFactory(external_id="HR-1015", email="ot@acme.test")
    sub = subject()
    oidc_provider.set_user(sub, employee_number="HR-1015")
    started = client.post("/sso/oidc/mock/login/", {"process": process, "next": "/me/"})
    callback = urlsplit(oidc_provider.authorize(started["Location"], sub))

    response = client.get(callback.path, parse_qs(callback.query))

    assert response.status_code == 403 and not SocialAccount.objects.exists()
    assert not User.objects.filter(email="ot@acme.test").exists()
