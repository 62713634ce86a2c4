import datetime

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from governance.models import User
from governance.roles import Role
from notifications import magic_links
from notifications.models import LoginLinkUse
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def path_of(link):
    return link.removeprefix("http://testserver")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_link_is_absolute_and_points_to_the_token_view(settings, employee_user):
    settings.SITE_URL = "https://governance.example.com"
    link = magic_links.make_login_link(employee_user.employee)
    assert link.startswith("https://governance.example.com/me/link/")


def test_link_signs_the_employee_in_and_opens_my_tools(client, employee_user):
    response = client.get(path_of(magic_links.make_login_link(employee_user.employee)))
    assert response.status_code == 302 and response.url == reverse("me")
    assert signed_in_user_id(client) == str(employee_user.pk)
    assert client.get(reverse("me")).status_code == 200


def test_link_signs_in_only_once(client, employee_user):
    link = path_of(magic_links.make_login_link(employee_user.employee))
    client.get(link)
    client.logout()
    response = client.get(link)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert 'name="password"' in response.content.decode()
    assert signed_in_user_id(client) is None
    assert LoginLinkUse.objects.count() == 1


def test_expired_link_is_refused_with_a_clear_message(client, employee_user, settings):
    link = path_of(magic_links.make_login_link(employee_user.employee))
    settings.MAGIC_LINK_MAX_AGE = datetime.timedelta(seconds=-1)
    response = client.get(link)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_tampered_link_is_refused(client, employee_user):
    other = EmployeeFactory()
    token = magic_links.make_token(employee_user.employee)
    payload, signature = token.rsplit(":", 1)
    forged_payload = signing.dumps({"e": other.pk, "n": "x"}, salt=magic_links.SALT, compress=True).rsplit(":", 2)[0]
    for bad in (token[:-2] + "xx", f"{forged_payload}:{signature}", "garbage"):
        response = client.get(reverse("magic-login", args=[bad]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert LoginLinkUse.objects.count() == 0


def test_link_made_with_another_purpose_salt_is_refused(client, employee_user):
    token = signing.dumps({"e": employee_user.employee.pk, "n": "abc"}, salt="something-else", compress=True)
    response = client.get(reverse("magic-login", args=[token]))
    assert response.status_code == 400 and signed_in_user_id(client) is None


def test_link_is_bound_to_its_employee(client, make_user):
    alice, bob = make_user(), make_user()
    client.get(path_of(magic_links.make_login_link(bob.employee)))
    assert signed_in_user_id(client) == str(bob.pk) != str(alice.pk)


def test_link_for_an_employee_without_account_creates_one_without_password(client):
    employee = EmployeeFactory(email="new.person@example.test")
    client.get(path_of(magic_links.make_login_link(employee)))
    user = User.objects.get(email="new.person@example.test")
    employee.refresh_from_db()
    assert employee.user == user and not user.has_usable_password()
    assert signed_in_user_id(client) == str(user.pk)


def test_link_of_a_terminated_employee_signs_nobody_in(client, employee_user):
    link = path_of(magic_links.make_login_link(employee_user.employee))
    type(employee_user.employee).objects.filter(pk=employee_user.employee.pk).update(
        status="terminated", terminated_on=datetime.date.today()
    )
    response = client.get(link)
    assert response.status_code == 400 and signed_in_user_id(client) is None


def test_link_still_signs_in_when_password_sign_in_is_locked_out_by_axes(client, employee_user):
    for _ in range(6):
        client.post(reverse("login"), {"username": employee_user.email, "password": "wrong password"})
    locked = client.post(reverse("login"), {"username": employee_user.email, "password": "correct horse battery"})
    assert signed_in_user_id(client) is None and locked.status_code in (403, 429)
    response = client.get(path_of(magic_links.make_login_link(employee_user.employee)))
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(employee_user.pk)


def test_following_the_link_again_while_signed_in_as_its_employee_just_opens_my_tools(client, employee_user):
    link = path_of(magic_links.make_login_link(employee_user.employee))
    client.get(link)
    response = client.get(link)
    assert response.status_code == 302 and response.url == reverse("me")
    assert signed_in_user_id(client) == str(employee_user.pk)


def test_someone_else_signed_in_cannot_reuse_a_used_link(client, make_user):
    owner, other = make_user(), make_user()
    link = path_of(magic_links.make_login_link(owner.employee))
    client.get(link)
    client.force_login(other)
    response = client.get(link)
    assert response.status_code == 400
    assert signed_in_user_id(client) == str(other.pk)


# --- Issue 13: bound to the address and the account; never a privileged session -------------


@pytest.mark.parametrize("right", ["officer", "admin", "staff", "superuser"])
def test_a_link_never_opens_an_account_with_more_than_employee_rights(client, make_user, right):
    groups = {"officer": [Role.COMPLIANCE_OFFICER], "admin": [Role.GOVERNANCE_ADMIN]}.get(right, [])
    flags = {"staff": {"is_staff": True}, "superuser": {"is_superuser": True}}.get(right, {})
    user = make_user(*groups, **flags)

    response = client.get(path_of(magic_links.make_login_link(user.employee)))

    assert signed_in_user_id(client) is None
    assert response.status_code == 302 and response.url == f"{reverse('login')}?next={reverse('me')}"
    page = client.get(response.url)
    assert "cannot open it" in page.content.decode() and 'name="password"' in page.content.decode()
    assert LoginLinkUse.objects.count() == 0


def test_after_the_password_sign_in_the_officers_employee_pages_work(client, officer):
    response = client.get(path_of(magic_links.make_login_link(officer.employee)))
    response = client.post(
        reverse("login"), {"username": officer.email, "password": "correct horse battery", "next": reverse("me")}
    )
    assert response.status_code == 302 and response.url == reverse("me")
    assert client.get(reverse("me")).status_code == 200
    assert signed_in_user_id(client) == str(officer.pk)


def test_a_link_dies_when_the_password_or_the_login_address_changes(client, employee_user):
    by_password = path_of(magic_links.make_login_link(employee_user.employee))
    employee_user.set_password("another long password")
    employee_user.save()
    by_address = path_of(magic_links.make_login_link(employee_user.employee))
    User.objects.filter(pk=employee_user.pk).update(email="renamed@example.test")
    for link in (by_password, by_address):
        response = client.get(link)
        assert response.status_code == 400 and "no longer valid" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_link_mailed_to_an_address_that_is_not_the_accounts_login_does_not_open_it(client, employee_user):
    type(employee_user.employee).objects.filter(pk=employee_user.employee.pk).update(email="hr.value@example.test")
    employee_user.employee.refresh_from_db()
    response = client.get(path_of(magic_links.make_login_link(employee_user.employee)))
    assert signed_in_user_id(client) is None
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_link_for_a_record_whose_address_has_an_account_asks_that_account_to_sign_in(client, make_user):
    existing = make_user(employee=False, email="has.account@example.test")
    employee = EmployeeFactory(email="has.account@example.test")
    response = client.get(path_of(magic_links.make_login_link(employee)))
    assert signed_in_user_id(client) is None and response.url.startswith(reverse("login"))
    employee.refresh_from_db()
    assert employee.user is None and User.objects.filter(email__iexact=existing.email).count() == 1


def test_a_link_without_a_fingerprint_is_refused(client, employee_user):
    token = signing.dumps({"e": employee_user.employee.pk, "n": "abc"}, salt=magic_links.SALT, compress=True)
    response = client.get(reverse("magic-login", args=[token]))
    assert response.status_code == 400 and signed_in_user_id(client) is None


def test_someone_signed_in_who_opens_another_persons_link_is_asked_before_switching(client, make_user):
    me, other = make_user(), make_user()
    link = path_of(magic_links.make_login_link(other.employee))
    client.force_login(me)

    page = client.get(link)

    assert page.status_code == 200 and signed_in_user_id(client) == str(me.pk)
    text = page.content.decode()
    assert me.email in text and other.employee.full_name in text and 'method="post"' in text
    assert LoginLinkUse.objects.count() == 0
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse("me")
    assert signed_in_user_id(client) == str(other.pk)


def test_the_switch_question_needs_a_csrf_token(make_user):
    me, other = make_user(), make_user()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(me)
    response = csrf_client.post(path_of(magic_links.make_login_link(other.employee)))
    assert response.status_code == 403 and signed_in_user_id(csrf_client) == str(me.pk)
