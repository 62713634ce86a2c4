"""What saml_claims reads from a SAML sign-in, and which IdP settings are accepted: the rules
that decide what an IdP's word may do here (the flows are in test_saml.py)."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from identity import saml

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
ENTRA_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
ENTRA_GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


def app_with(**app_settings):
    return SocialApp(provider="saml", client_id="acme", settings=app_settings)


def extra(attributes, name_id="00u-1", name_id_format=PERSISTENT):
    return {"attributes": attributes, "name_id": name_id, "name_id_format": name_id_format, "session_index": "s1"}


def test_entra_id_claim_names_are_read_by_default():
    claims = saml.saml_claims(
        extra(
            {
                ENTRA_EMAIL: ["Ana@Acme.example"],
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ["Ana"],
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ["Lima"],
                ENTRA_GROUPS: ["9f1c-officers", "9f1c-officers", "all"],
                "employeeNumber": [" 4711 "],
            }
        ),
        app_with(email_trusted=True),
    )
    assert claims == {
        "subject": "00u-1",
        "email": "ana@acme.example",
        "email_verified": True,
        "employee_number": "4711",
        "groups": ["9f1c-officers", "all"],
        "full_name": "Ana Lima",
    }


def test_an_admins_mapping_names_the_attributes_okta_sends():
    app = app_with(
        attribute_mapping={"email": "user.email", "employee_number": ["hrId"], "groups": "memberOf", "uid": "oktaId"}
    )
    claims = saml.saml_claims(
        extra({"user.email": ["b@acme.example"], "hrId": ["H-9"], "memberOf": ["GRC"], "oktaId": ["00uB"]}), app
    )
    assert (claims["subject"], claims["email"], claims["employee_number"], claims["groups"]) == (
        "00uB",
        "b@acme.example",
        "H-9",
        ["GRC"],
    )


def test_a_linked_accounts_subject_is_its_uid():
    account = SocialAccount(provider="https://idp.example/", uid="persistent-7", extra_data=extra({}, name_id="other"))
    assert saml.saml_claims(account, app_with())["subject"] == "persistent-7"


def test_allauths_plain_attribute_dict_is_read_too():
    claims = saml.saml_claims({"email": ["c@acme.example"], "uid": ["u-3"]}, app_with(attribute_mapping={"uid": "uid"}))
    assert (claims["subject"], claims["email"]) == ("u-3", "c@acme.example")


@pytest.mark.parametrize(
    ("app_settings", "attributes", "verified"),
    [
        ({}, {}, False),  # SAML has no standard "verified": not trusted unless an admin says so
        ({"email_trusted": True}, {}, True),
        ({"email_trusted": "yes"}, {}, False),  # only a real true counts
        ({"email_trusted": True, "email_domains": ["acme.example"]}, {}, True),
        ({"email_trusted": True, "email_domains": ["other.example"]}, {}, False),
        ({"email_trusted": True, "attribute_mapping": {"email_verified": "verified"}}, {"verified": ["false"]}, False),
        ({"email_trusted": True, "attribute_mapping": {"email_verified": "verified"}}, {"verified": ["true"]}, True),
    ],
)
def test_an_address_is_verified_only_when_the_admin_trusts_this_idp_for_e_mail(app_settings, attributes, verified):
    claims = saml.saml_claims(extra({"email": ["d@acme.example"], **attributes}), app_with(**app_settings))
    assert claims["email_verified"] is verified


def test_an_e_mail_name_id_stands_in_for_a_missing_address():
    email_nameid = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    claims = saml.saml_claims(extra({}, name_id="E@Acme.example", name_id_format=email_nameid), app_with())
    assert claims["email"] == "e@acme.example"
    assert saml.saml_claims(extra({}, name_id="E@Acme.example"), app_with())["email"] is None


def test_something_that_is_not_an_address_is_no_address():
    claims = saml.saml_claims(extra({"email": ["not an address"]}), app_with(email_trusted=True))
    assert (claims["email"], claims["email_verified"]) == (None, False)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"employeeNumber": ["E-1\x00"]}, "control characters"),
        ({"groups": ["GRC\nadmins"]}, "control characters"),
        ({"displayName": ["x" * 300]}, "longer than"),
        ({"groups": [f"g{i}" for i in range(saml.MAX_GROUPS + 1)]}, "groups"),
    ],
)
def test_hostile_values_are_refused_with_a_reason(attributes, message):
    with pytest.raises(saml.SAMLClaimError, match=message):
        saml.saml_claims(extra(attributes), app_with())


def test_no_subject_is_refused():
    with pytest.raises(saml.SAMLClaimError, match="no subject"):
        saml.saml_claims(extra({}, name_id=None), app_with())


# --- settings ---------------------------------------------------------------------------------


def test_metadata_url_settings_require_signed_assertions_and_keep_idp_initiated_on():
    built = saml.saml_app_settings(idp_entity_id="http://www.okta.com/exk1", metadata_url="https://acme.okta.com/md")
    assert built["idp"] == {"entity_id": "http://www.okta.com/exk1", "metadata_url": "https://acme.okta.com/md"}
    assert built["advanced"]["want_assertion_signed"] is True
    assert built["advanced"]["reject_idp_initiated_sso"] is False
    assert built["advanced"]["authn_request_signed"] is False  # no SP key given
    assert built["email_trusted"] is False


def test_an_sp_key_makes_the_product_sign_its_requests():
    built = saml.saml_app_settings(
        idp_entity_id="https://sts.windows.net/t/",
        x509cert="MIIC...",
        sso_url="https://login.microsoftonline.com/t/saml2",
        slo_url="https://login.microsoftonline.com/t/saml2",
        sp_x509cert="-----BEGIN CERTIFICATE-----",
        sp_private_key="-----BEGIN PRIVATE KEY-----",
    )
    assert built["idp"]["slo_url"] == "https://login.microsoftonline.com/t/saml2"
    advanced = built["advanced"]
    assert advanced["authn_request_signed"] and advanced["logout_request_signed"] and advanced["private_key"]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"idp_entity_id": ""}, "entity id"),
        ({"metadata_url": "http://idp.example/md"}, "https address"),
        ({"metadata_url": "", "x509cert": ""}, "metadata URL, or its signing certificate"),
        ({"attribute_mapping": {"role": "x"}}, "Unknown claim 'role'"),
        ({"attribute_mapping": {"groups": ["a", 3]}}, "attribute name or a list"),
    ],
)
def test_bad_settings_are_refused_with_each_problem_named(options, problem):
    base = {"idp_entity_id": "https://idp.example/", "metadata_url": "https://idp.example/md"}
    with pytest.raises(ValueError, match=problem):
        saml.saml_app_settings(**{**base, **options})


def test_stored_settings_that_drop_the_signature_rule_are_reported_and_overridden():
    stored = {"idp": {"entity_id": "e", "metadata_url": "https://idp.example/md"}, "advanced": {"strict": False}}
    assert saml.check_saml_settings(stored) == ["Signed assertions are required (want_assertion_signed)."]
    assert saml.enforced(stored)["advanced"] == saml.REQUIRED_ADVANCED


@pytest.mark.django_db
def test_configuring_twice_updates_the_one_app():
    options = {"idp_entity_id": "https://idp.example/", "metadata_url": "https://idp.example/md"}
    first = saml.configure_saml_app(organization_slug="acme", name="Acme", **options)
    again = saml.configure_saml_app(organization_slug="acme", name="Acme SSO", **options, email_trusted=True)
    assert first.pk == again.pk and SocialApp.objects.get().settings["email_trusted"] is True
    assert again.provider_id == "https://idp.example/"
    with pytest.raises(ValueError, match="slug"):
        saml.configure_saml_app(organization_slug="Acme Inc", name="x", **options)


@pytest.mark.django_db
def test_the_command_configures_an_idp_and_says_what_to_paste(tmp_path, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.SITE_URL = "https://governance.acme.example"
    cert = tmp_path / "idp.crt"
    cert.write_text("MIIC-not-checked-here")
    out = StringIO()
    call_command(
        "configure_saml",
        "okta",
        "--name=Okta",
        "--entity-id=http://www.okta.com/exk1",
        f"--x509cert=@{cert}",
        "--sso-url=https://acme.okta.com/app/x/sso/saml",
        '--mapping={"groups": "memberOf"}',
        "--email-trusted",
        "--email-domain=acme.example",
        stdout=out,
    )
    app = SocialApp.objects.get(client_id="okta")
    assert app.settings["idp"]["x509cert"] == "MIIC-not-checked-here"
    assert app.settings["attribute_mapping"]["groups"] == "memberOf"
    assert app.settings["email_domains"] == ["acme.example"]
    assert "ACS URL: https://governance.acme.example/sso/saml/okta/acs/" in out.getvalue()
    with pytest.raises(CommandError, match="https address"):
        call_command("configure_saml", "okta", "--name=Okta", "--entity-id=e", "--metadata-url=http://idp.example/md")
