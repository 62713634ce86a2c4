import pytest
from django.urls import reverse

from governance.roles import Role

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
