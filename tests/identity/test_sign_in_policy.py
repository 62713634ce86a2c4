"""The sign-in page and the sign-in policy: identity providers first, passwords switched off
for everyone but break-glass accounts (still through the lockout), no second password door at
/sso/, and reminder links that lead through the provider when single sign-on is required."""

from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.test import Client

from governance.models import User
from identity.models import SignInPolicy
from notifications import magic_links
from notifications.models import LoginLinkUse
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def password_sign_in(email, password=PASSWORD, path="/accounts/login/", client=None):
    client = client or Client()
    response = client.post(path, {"username": email, "password": password}, REMOTE_ADDR="10.0.0.9")
    return response, client


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def passwords_off():
    policy = SignInPolicy.current()
    policy.password_sign_in = False
    policy.save()
    return policy


def test_the_sign_in_page_offers_each_provider_before_the_password_form(client, oidc_app):
    page = client.get("/accounts/login/?next=/me/").content.decode()
    assert "Sign in with Acme ID" in page
    assert page.index("Sign in with Acme ID") < page.index('name="password"')
    assert 'action="/sso/oidc/mock/login/"' in page and 'name="next" value="/me/"' in page


def test_without_providers_the_page_is_the_password_form(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page and "Forgot your password?" in page


def test_passwords_off_refuses_an_ordinary_account_as_a_failed_try(make_user, passwords_off, oidc_app):
    make_user(email="plain@acme.test")

    response, client = password_sign_in("plain@acme.test")

    assert response.status_code == 200 and not signed_in(client)
    assert "do not match" in response.content.decode()
    assert AccessAttempt.objects.get(username="plain@acme.test").failures_since_start == 1
    assert "Break-glass administrator sign-in" in response.content.decode()


def test_passwords_off_still_locks_out_after_the_failure_limit(make_user, passwords_off, settings):
    make_user(email="plain@acme.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_sign_in("plain@acme.test")
    response, _ = password_sign_in("plain@acme.test")
    assert response.status_code == 429


def test_break_glass_accounts_keep_their_password(make_user, passwords_off):
    User.objects.create_superuser(email="root@acme.test", password=PASSWORD)
    listed = make_user(email="named@acme.test")
    passwords_off.break_glass_accounts.add(listed)

    for email in ("root@acme.test", "named@acme.test"):
        response, client = password_sign_in(email)
        assert response.status_code == 302 and signed_in(client), email


def test_a_break_glass_account_is_still_locked_out_by_wrong_passwords(passwords_off, settings):
    User.objects.create_superuser(email="root@acme.test", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_sign_in("root@acme.test", "wrong password")
    response, client = password_sign_in("root@acme.test")
    assert response.status_code == 429 and not signed_in(client)


def test_the_admin_sign_in_follows_the_policy_too(make_user, passwords_off):
    make_user(email="staff@acme.test", is_staff=True)
    response, client = password_sign_in("staff@acme.test", path="/admin/login/?next=/admin/")
    assert not signed_in(client)
    assert AccessAttempt.objects.filter(username="staff@acme.test").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/sso/login/",
        "/sso/signup/",
        "/sso/password/reset/",
        "/sso/password/change/",
        "/sso/email/",
        "/sso/3rdparty/",
        "/sso/3rdparty/signup/",
        "/sso/3rdparty/login/error/",
        "/sso/inactive/",
    ],
)
def test_allauths_account_pages_lead_to_the_product_sign_in(client, make_user, path):
    make_user(email="plain@acme.test")
    for response in (client.get(path), client.post(path, {"login": "plain@acme.test", "password": PASSWORD})):
        assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not signed_in(client)


def test_a_reminder_link_leads_through_single_sign_on_when_it_is_required(
    client, employee_user, passwords_off, oidc_app, oidc_provider
):
    link = urlsplit(magic_links.make_login_link(employee_user.employee)).path

    response = client.get(link)

    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/me/"
    assert not signed_in(client) and not LoginLinkUse.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Sign in with Acme ID" in page and 'name="next" value="/me/"' in page


def test_the_reminder_links_way_through_the_provider_lands_on_me(client, passwords_off, oidc_app, oidc_provider):
    employee = EmployeeFactory(external_id="HR-2001", email="pa@acme.test")
    link = urlsplit(magic_links.make_login_link(employee)).path
    assert client.get(link)["Location"] == "/accounts/login/?next=/me/"
    oidc_provider.set_user("policy-subject-1", employee_number="HR-2001")

    response = oidc_provider.sign_in(client, "policy-subject-1", next_url="/me/")

    assert response["Location"] == "/me/" and client.get("/me/").status_code == 200


def test_reminder_links_sign_in_as_before_while_passwords_are_on(client, employee_user, oidc_app):
    response = client.get(urlsplit(magic_links.make_login_link(employee_user.employee)).path)
    assert response["Location"] == "/me/" and signed_in(client)
    assert client.get("/me/").status_code == 200


def test_the_sign_in_page_lets_its_forms_lead_to_the_providers_origin(client, oidc_app, oidc_provider):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert oidc_provider.url in form_action and "'self'" in form_action


def test_a_plain_visit_to_a_providers_sign_in_address_goes_to_the_sign_in_page(client, oidc_app):
    response = client.get("/sso/oidc/mock/login/?next=/me/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/me/"


def test_admins_switch_passwords_off_and_name_break_glass_accounts_in_the_admin(client, make_user):
    root = User.objects.create_superuser(email="root@acme.test", password=PASSWORD)
    named = make_user(email="named@acme.test")
    client.force_login(root)
    SignInPolicy.current()

    response = client.post(
        "/admin/identity/signinpolicy/1/change/", {"break_glass_accounts": str(named.pk)}, follow=True
    )

    assert response.status_code == 200
    policy = SignInPolicy.current()
    assert policy.password_sign_in is False and list(policy.break_glass_accounts.all()) == [named]
    assert password_sign_in("named@acme.test")[0].status_code == 302
