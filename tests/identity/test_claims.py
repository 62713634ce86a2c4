"""Claims are untrusted input: each is checked and refused with a clear reason, never guessed."""

import pytest
from allauth.socialaccount.models import SocialApp

from governance.settings import _sso_apps
from identity.claims import MAX_GROUPS, ClaimError, Claims, oidc_claims
from identity.models import ProviderOptions
from identity.providers import DEFAULT_CLAIMS, Options, options_for

OPTIONS = Options(provider_id="okta", claims=DEFAULT_CLAIMS)


def claims(subject="sub-1", **data):
    return oidc_claims({"id_token": data}, subject=subject, options=OPTIONS)


def test_the_neutral_shape_from_an_id_token_and_userinfo():
    extra = {
        "id_token": {"sub": "s", "groups": ["B", "a", "B"], "email": "x@acme.test"},
        "userinfo": {"sub": "s", "email": " Ann@ACME.test ", "email_verified": True, "employee_number": 4711},
    }
    assert oidc_claims(extra, subject="s", options=OPTIONS) == Claims(
        subject="s", email="ann@acme.test", email_verified=True, employee_number="4711", groups=("B", "a")
    )


@pytest.mark.parametrize(
    ("sent", "verified"), [(True, True), ("true", True), ("false", False), (None, False), (1, False)]
)
def test_only_an_explicit_true_verifies_the_address(sent, verified):
    assert claims(email="a@acme.test", email_verified=sent).email_verified is verified


def test_the_name_falls_back_to_given_and_family_names():
    assert claims(given_name="Ann", family_name="Lee").full_name == "Ann Lee"
    assert claims(name="Dr. Ann Lee", given_name="Ann").full_name == "Dr. Ann Lee"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address"}, "e-mail address that is not valid"),
        ({"email": ["a@acme.test"]}, "e-mail address in a form"),
        ({"employee_number": "../admin"}, "HR id this product does not accept"),
        ({"employee_number": "HR\x001"}, "control character"),
        ({"groups": {"a": 1}}, "groups in a form"),
        ({"groups": ["ok", 3.5]}, "group name in a form"),
        ({"groups": [f"g{n}" for n in range(MAX_GROUPS + 1)]}, "more than"),
        ({"groups": ["x" * 257]}, "longer than 256"),
        ({"_claim_names": {"groups": "src1"}}, "left the groups out"),
    ],
)
def test_hostile_claims_are_refused_with_the_reason(data, message):
    with pytest.raises(ClaimError, match=message):
        claims(**data)


def test_a_missing_subject_is_refused():
    with pytest.raises(ClaimError, match="no subject"):
        claims(subject="  ")


def test_a_single_group_string_is_one_group():
    assert claims(groups="GRC-Officers").groups == ("GRC-Officers",)


@pytest.mark.django_db
def test_admin_options_name_the_claims_and_domains():
    app = SocialApp.objects.create(provider="openid_connect", provider_id="entra", name="Entra ID", client_id="c")
    assert options_for(app) == Options(provider_id="entra", claims=DEFAULT_CLAIMS)
    ProviderOptions.objects.create(
        provider_id="entra",
        employee_number_claim="employeeid",
        allowed_email_domains="Acme.com\n@acme.de",
        just_in_time=True,
    )
    options = options_for(app)
    assert options.claims["employee_number"] == "employeeid"
    assert options.allowed_email_domains == ("acme.com", "acme.de") and options.just_in_time
    assert options.allows_email("a@ACME.com") and not options.allows_email("a@acme.com.evil.test")


@pytest.mark.django_db
def test_just_in_time_without_allowed_domains_stays_off():
    app = SocialApp.objects.create(provider="openid_connect", provider_id="g", name="Google", client_id="c")
    ProviderOptions.objects.create(provider_id="g", just_in_time=True)
    assert options_for(app).just_in_time is False


def test_sso_providers_from_the_environment_become_allauth_apps():
    apps = _sso_apps(
        [
            {
                "id": "okta",
                "name": "Okta",
                "server_url": "https://acme.okta.com",
                "client_id": "0oa1",
                "secret": "s",
                "claims": {"groups": "okta_groups"},
                "allowed_email_domains": ["acme.com"],
            }
        ]
    )
    assert apps == [
        {
            "provider_id": "okta",
            "name": "Okta",
            "client_id": "0oa1",
            "secret": "s",
            "settings": {
                "server_url": "https://acme.okta.com",
                "claims": {"groups": "okta_groups"},
                "allowed_email_domains": ["acme.com"],
            },
        }
    ]
    app = SocialApp(provider="openid_connect", provider_id="okta", name="Okta", settings=apps[0]["settings"])
    options = options_for(app)
    assert options.claims["groups"] == "okta_groups" and options.claims["email"] == "email"
    assert options.allowed_email_domains == ("acme.com",)


def test_an_incomplete_environment_provider_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="client_id, server_url"):
        _sso_apps([{"id": "okta", "name": "Okta"}])
