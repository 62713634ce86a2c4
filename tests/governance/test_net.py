"""The client address: one rule (PROXY_COUNT) for the ledger, the sign-in lockout and the throttles."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from attestations.models import Attestation
from governance.net import client_ip, client_network
from tests.attestations.builders import published_obligations


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy is trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the right-most entry is the one our proxy wrote
        (2, "6.6.6.6, 203.0.113.9, 172.16.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: do not guess
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "6.6.6.6, 2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_believes_only_the_entries_our_proxies_wrote(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    assert client_ip(request_from("10.0.0.1", forwarded)) == expected


def test_limits_count_an_ipv6_client_by_its_64(settings):
    settings.PROXY_COUNT = 0
    assert client_network(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_network(request_from("2001:db8:1:2:bbbb::2")) == "2001:db8:1:2::"
    assert client_network(request_from("192.0.2.7")) == "192.0.2.7"


# --- Consumers ------------------------------------------------------------------------------


@pytest.fixture
def acknowledging(client, employee_user):
    """POST the acknowledgment of a published policy as the signed-in employee; returns the
    ledger record it wrote."""
    client.force_login(employee_user)
    version, _ = published_obligations(employee_user.employee, tools=1, settings_per_tool=1)

    def acknowledge(**headers):
        client.post(reverse("me-acknowledge", args=[version.pk]), **headers)
        return Attestation.objects.get(kind=Attestation.Kind.ACKNOWLEDGMENT, policy_version=version)

    return acknowledge


@pytest.mark.django_db
def test_the_ledger_records_the_client_behind_our_proxy_not_the_proxy(settings, acknowledging):
    settings.PROXY_COUNT = 1
    record = acknowledging(REMOTE_ADDR="172.16.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert record.personal_data.ip_address == "203.0.113.9"  # the record hashes its digest (retention)


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_ledger_ignores_a_forged_header(settings, acknowledging):
    settings.PROXY_COUNT = 0
    record = acknowledging(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert record.personal_data.ip_address == "198.51.100.4"


@pytest.mark.django_db
def test_the_lockout_counts_the_client_behind_our_proxy(settings, make_user):
    settings.PROXY_COUNT = 1
    user = make_user()
    Client().post(
        reverse("login"),
        {"username": user.email, "password": "wrong"},
        REMOTE_ADDR="172.16.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


@pytest.mark.django_db
def test_a_forged_header_does_not_move_a_locked_address(settings, make_user):
    settings.PROXY_COUNT = 0
    settings.AXES_ADDRESS_FAILURE_LIMIT = 4
    users = [make_user() for _ in range(5)]
    for n, user in enumerate(users[:4]):
        Client().post(
            reverse("login"),
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR="192.0.2.66",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = Client().post(
        reverse("login"),
        {"username": users[4].email, "password": "correct horse battery"},
        REMOTE_ADDR="192.0.2.66",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429
