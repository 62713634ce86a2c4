from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.roles import Role
from tests.clock import HOLD_STILL

pytestmark = pytest.mark.django_db


def post_login(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_sign_in_with_email_and_password_lands_on_role_home(client, make_user):
    user = make_user()
    response = post_login(client, user.email, "correct horse battery")
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == reverse("me")


def test_wrong_password_shows_a_clear_error(client, make_user):
    user = make_user()
    response = post_login(client, user.email, "wrong password")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_throttled_even_with_the_right_password(client, make_user, settings):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, user.email, "wrong password")
    response = post_login(client, user.email, "correct horse battery")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(make_user):
    assert make_user().password.startswith("argon2")


def test_email_login_is_case_insensitive(client, make_user):
    user = make_user(email="Mixed.Case@Example.test")
    response = post_login(client, "MIXED.case@example.TEST", "correct horse battery")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("groups", "with_report", "expected"),
    [
        ((), False, "me"),
        ((), True, "team"),
        ((Role.COMPLIANCE_OFFICER,), False, "dashboard"),
        ((Role.GOVERNANCE_ADMIN,), False, "policies:list"),
    ],
)
def test_home_sends_each_role_to_its_page(client, make_user, groups, with_report, expected):
    from tests.factories import EmployeeFactory

    user = make_user(*groups)
    if with_report:
        EmployeeFactory(manager=user.employee)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(expected)


def test_anonymous_home_goes_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_reset_sends_an_email(client, make_user, mailoutbox):
    user = make_user()
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "/accounts/reset/" in mailoutbox[0].body


def reset(email, address="10.0.0.7"):
    return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


@HOLD_STILL
def test_reset_mails_to_one_account_stop_at_its_budget(make_user, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE_PER_ACCOUNT = "3/h"
    user = make_user()
    spellings = [user.email, user.email.upper(), f" {user.email}", user.email, user.email]
    responses = [reset(email, address=f"198.51.100.{n}") for n, email in enumerate(spellings)]
    assert len(mailoutbox) == 3
    # The page answers the same neutral way, sent or not: nothing tells whether the account exists.
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, reverse("password_reset_done"))}


@HOLD_STILL
def test_reset_mails_from_one_address_stop_at_its_budget(make_user, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "4/h"
    users = [make_user() for _ in range(6)]
    for user in users:
        assert reset(user.email, address="192.0.2.40").status_code == 302
    assert [m.to for m in mailoutbox] == [[u.email] for u in users[:4]]
    assert reset(users[5].email, address="192.0.2.41").status_code == 302
    assert mailoutbox[-1].to == [users[5].email]  # another address has its own budget


def test_reset_budgets_refill_after_the_hour(make_user, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE_PER_ACCOUNT = "1/h"
    user = make_user()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        reset(user.email)
        reset(user.email)
    assert len(mailoutbox) == 1
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        reset(user.email)
    assert len(mailoutbox) == 2


def test_unknown_url_gives_the_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'class="site-header"' in body


@pytest.mark.parametrize("url_name", ["dashboard", "policies:list"])
def test_employee_gets_the_styled_403_on_officer_and_admin_pages(client, employee_user, url_name):
    client.force_login(employee_user)
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()
