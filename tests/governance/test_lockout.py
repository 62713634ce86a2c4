"""The sign-in lockout: one count per account whatever its spelling or address, one per address
across accounts, and a reset on success that frees nothing an attacker collected."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def sign_in(email, password, address="10.0.0.7", client=None):
    client = client or Client()
    response = client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address)
    return response, client


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def bf1(make_user):
    return make_user(email="bf1@demo.example")


@pytest.mark.parametrize("spelling", ["BF1@demo.example", "bf1@DEMO.EXAMPLE", " bf1@demo.example", "bf1@demo.example "])
def test_a_locked_account_stays_locked_however_the_address_is_written(bf1, settings, spelling):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("bf1@demo.example", "wrong password")
    response, client = sign_in(spelling, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_failures_under_different_spellings_add_up_to_one_lock(bf1, settings):
    spellings = ["BF1@demo.example", "bf1@DEMO.EXAMPLE", " bf1@demo.example", "Bf1@Demo.Example", "bf1@demo.example"]
    for spelling in spellings[: settings.AXES_FAILURE_LIMIT]:
        sign_in(spelling, "wrong password")
    response, client = sign_in("bf1@demo.example", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_another_address_does_not_escape_the_account_lock(bf1, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("bf1@demo.example", "wrong password", address=f"198.51.100.{n + 1}")
    response, client = sign_in("bf1@demo.example", PASSWORD, address="203.0.113.50")
    assert response.status_code == 429
    assert not signed_in(client)


def test_one_password_sprayed_across_accounts_locks_the_address(make_user, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    victims = [make_user() for _ in range(settings.AXES_ADDRESS_FAILURE_LIMIT)]
    target = make_user()
    for victim in victims:  # one guess per account: no account reaches its own limit
        sign_in(victim.email, "Summer2025!", address="192.0.2.66")
    response, client = sign_in(target.email, PASSWORD, address="192.0.2.66")
    assert response.status_code == 429
    assert not signed_in(client)
    # The accounts themselves are not locked: their owners sign in from elsewhere.
    response, client = sign_in(target.email, PASSWORD, address="203.0.113.8")
    assert response.status_code == 302 and signed_in(client)


def test_an_address_under_its_limit_still_signs_in(make_user, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    others = [make_user() for _ in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1)]
    me = make_user()
    for other in others:
        sign_in(other.email, "typo", address="192.0.2.10")
    response, client = sign_in(me.email, PASSWORD, address="192.0.2.10")
    assert response.status_code == 302 and signed_in(client)


def test_signing_in_to_ones_own_account_does_not_reset_failures_on_another(bf1, make_user, settings):
    insider = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("bf1@demo.example", "guess", address="10.9.9.9")
    response, _ = sign_in(insider.email, PASSWORD, address="10.9.9.9")
    assert response.status_code == 302
    sign_in("bf1@demo.example", "one more guess", address="10.9.9.9")
    response, client = sign_in("bf1@demo.example", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_owner_signing_in_clears_their_own_typos(bf1, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("bf1@demo.example", "typo")
    assert sign_in("BF1@demo.example", PASSWORD)[0].status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("bf1@demo.example", "typo")
    response, client = sign_in("bf1@demo.example", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_ends_after_the_cool_off(bf1, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in("bf1@demo.example", "wrong password")
        assert sign_in("bf1@demo.example", PASSWORD)[0].status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timezone.timedelta(minutes=1), tick=False):
        response, client = sign_in("bf1@demo.example", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_sign_in_looks_the_account_up_under_its_normal_spelling(bf1):
    assert User.objects.normalize_login("  BF1@Demo.EXAMPLE ") == "bf1@demo.example"
    response, client = sign_in(" BF1@demo.example", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bf1.pk)


def test_the_admin_sign_in_shares_the_account_lock(make_user, settings):
    staff = make_user(is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(staff.email, "wrong password")
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": staff.email.upper(), "password": PASSWORD}, REMOTE_ADDR="203.0.113.1"
    )
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_names_the_configured_pause(bf1, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=40)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("bf1@demo.example", "wrong password")
    response, _ = sign_in("bf1@demo.example", PASSWORD)
    assert "Try again in 40 minutes" in response.content.decode()
