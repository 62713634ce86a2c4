"""SAML 2.0 single sign-on: django-allauth's ``saml`` provider (python3-saml does the protocol),
fitted to this product's rules.

An identity provider is one allauth ``SocialApp``: ``provider="saml"``, ``provider_id`` = the
IdP's entity id (so subjects of two IdPs never collide), ``client_id`` = the organization slug
that names its URLs under ``/sso/saml/<slug>/`` (``acs/``, ``sls/``, ``metadata/``, ``login/``),
and ``settings`` as :func:`saml_app_settings` builds them. What this module adds to allauth:

- ``SAMLProvider`` (``SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]``): signed assertions
  are required whatever a stored configuration says, and the account's ``extra_data`` keeps the
  NameID and SessionIndex next to the attributes, which single logout needs.
- :func:`saml_claims`: the provider-neutral claims (subject, email, email_verified,
  employee_number, groups, full_name) read through the app's attribute mapping. Everything in
  them is the IdP's word, validated here; linking and roles are decided by identity.adapters.
- :func:`logout_url`: SP-initiated single logout. Signing out (identity.views.sign_out) ends
  the session here first; then the browser goes to the IdP with a LogoutRequest, and the IdP's
  answer lands on allauth's ``sls/``, which also takes IdP-initiated LogoutRequests.

E-mail is "verified" only when an admin says this IdP's e-mail addresses can be trusted
(``"email_trusted": true``): SAML has no standard claim for it, and any IdP can assert any
address. ``"email_domains"``, when set, narrows that trust to the listed domains.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.saml.provider import SAMLProvider as AllauthSAMLProvider
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

SESSION_KEY = "identity.saml"
IDP_INITIATED_DEFAULT = True

# What attributes are read for each claim, as allauth's "attribute_mapping" setting holds them
# (a name or a list of names; the first one present wins). Okta, Entra ID and Google Workspace
# send the names their admins type; these defaults are Entra ID's and the LDAP/eduPerson OIDs.
DEFAULT_ATTRIBUTE_MAPPING: dict[str, list[str]] = {
    "email": [
        "email",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
    ],
    "first_name": ["firstName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"],
    "last_name": ["lastName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"],
    "full_name": ["displayName", "http://schemas.microsoft.com/identity/claims/displayname"],
    "employee_number": ["employeeNumber", "urn:oid:2.16.840.1.113730.3.1.3"],
    "groups": ["groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"],
}
CLAIM_KEYS = {"uid", "email", "email_verified", "first_name", "last_name", "full_name", "employee_number", "groups"}
EMAIL_NAMEID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

# Security settings no stored configuration may weaken (python3-saml's names via allauth's).
REQUIRED_ADVANCED = {"want_assertion_signed": True, "strict": True, "reject_deprecated_algorithm": True}
MAX_GROUPS = 1000
MAX_VALUE = 256
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SAMLClaims(TypedDict):
    """The provider-neutral claims of one sign-in (identity.claims has the same keys)."""

    subject: str
    email: str | None
    email_verified: bool
    employee_number: str | None
    groups: list[str]
    full_name: str


class SAMLClaimError(ValueError):
    """The IdP sent a value this product will not use; the message says which and why."""


# --- allauth's provider, with signatures required and the session kept for logout -----------


def enforced(app_settings: dict) -> dict:
    """``app_settings`` with the security settings of REQUIRED_ADVANCED forced on."""
    advanced = {**(app_settings.get("advanced") or {}), **REQUIRED_ADVANCED}
    return {**app_settings, "advanced": advanced}


class SAMLProvider(AllauthSAMLProvider):
    """allauth's SAML provider: unsigned assertions are refused even if an admin's stored
    settings say otherwise, and ``extra_data`` keeps what single logout needs."""

    package = "allauth.socialaccount.providers.saml"  # allauth's URLs, not this module's

    def __init__(self, request: HttpRequest, app: Any = None) -> None:
        if app is not None:
            app.settings = enforced(app.settings or {})
        super().__init__(request, app=app)

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> Any:
        """Each assertion signs one person in once: a replayed one (an IdP-initiated response
        has no request to match) is refused until it would have expired anyway."""
        from allauth.core.exceptions import ImmediateHttpResponse
        from allauth.socialaccount.helpers import render_authentication_error

        if not _first_use(response.get_last_assertion_id(), response.get_last_assertion_not_on_or_after()):
            raise ImmediateHttpResponse(
                render_authentication_error(request, self, extra_context={"saml_errors": ["replayed_assertion"]})
            )
        return super().sociallogin_from_response(request, response)

    def extract_common_fields(self, data: Any) -> dict[str, Any]:
        """allauth's fields, with "email_verified" decided as saml_claims decides it (the
        admin's trust in this IdP), not by an attribute the IdP may send."""
        fields = super().extract_common_fields(data)
        email = fields.get("email")
        if email:
            asserted = [str(fields["email_verified"]).lower()] if "email_verified" in fields else []
            fields["email_verified"] = _email_trusted(str(email).lower(), asserted, self.app.settings or {})
        return fields

    def extract_extra_data(self, data: Any) -> dict[str, Any]:
        return {
            "attributes": data.get_attributes(),
            "name_id": data.get_nameid(),
            "name_id_format": data.get_nameid_format(),
            "session_index": data.get_session_index(),
        }


def _first_use(assertion_id: str | None, not_on_or_after: int | None) -> bool:
    """True the first time this assertion id is seen (kept in the shared cache until it expires)."""
    if not assertion_id:
        return False
    lifetime = max(60, min(int((not_on_or_after or 0) - timezone.now().timestamp()) + 60, 24 * 3600))
    return cache.add(f"identity.saml.assertion:{assertion_id}", 1, timeout=lifetime)


def remember_session(sender: Any, request: HttpRequest, user: Any, sociallogin: Any = None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: keep the IdP's NameID and SessionIndex in this session, so
    that signing out can ask the IdP to end the same session (connected in identity.apps)."""
    if sociallogin is None or sociallogin.provider.id != SAMLProvider.id:
        return
    extra = sociallogin.account.extra_data or {}
    request.session[SESSION_KEY] = {
        "organization": sociallogin.provider.app.client_id,
        "name_id": extra.get("name_id"),
        "name_id_format": extra.get("name_id_format"),
        "session_index": extra.get("session_index"),
    }


# --- claims -------------------------------------------------------------------------------


def saml_claims(source: Any, app: Any) -> SAMLClaims:
    """The claims in a SAML sign-in, read through ``app``'s attribute mapping.

    ``source`` is allauth's ``SocialLogin``, a ``SocialAccount``, or an account's
    ``extra_data``. Raises SAMLClaimError on values no rule may act on (control characters,
    overlong values, too many groups), so that nothing malformed links an account or grants a
    role."""
    account = getattr(source, "account", source)
    extra = getattr(account, "extra_data", account)
    if not isinstance(extra, dict):
        raise SAMLClaimError("The SAML sign-in carries no attributes.")
    attributes = extra.get("attributes", extra if "name_id" not in extra else {})
    app_settings = app.settings or {}
    mapping = {**DEFAULT_ATTRIBUTE_MAPPING, **(app_settings.get("attribute_mapping") or {})}

    def values(key: str) -> list[str]:
        names = mapping.get(key) or []
        for name in [names] if isinstance(names, str) else names:
            found = attributes.get(name)
            if found:
                return [_clean(key, v) for v in (found if isinstance(found, list) else [found])]
        return []

    subject = getattr(account, "uid", None) or (values("uid") or [extra.get("name_id") or ""])[0]
    if not subject:
        raise SAMLClaimError("The SAML assertion names no subject (NameID or the mapped uid attribute).")
    email = _email(values("email"), extra, app_settings)
    full_name = (values("full_name") or [" ".join(v for v in values("first_name")[:1] + values("last_name")[:1])])[0]
    groups = list(dict.fromkeys(g for g in values("groups") if g))
    if len(groups) > MAX_GROUPS:
        raise SAMLClaimError(f"The SAML assertion lists {len(groups)} groups; at most {MAX_GROUPS} are read.")
    return SAMLClaims(
        subject=_clean("subject", subject),
        email=email,
        email_verified=email is not None and _email_trusted(email, values("email_verified"), app_settings),
        employee_number=(values("employee_number") or [""])[0] or None,
        groups=groups,
        full_name=full_name.strip(),
    )


def _clean(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SAMLClaimError(f"SAML attribute for {key!r} is not text.")
    value = value.strip()
    if CONTROL.search(value):
        raise SAMLClaimError(f"SAML attribute for {key!r} contains control characters.")
    if len(value) > MAX_VALUE:
        raise SAMLClaimError(f"SAML attribute for {key!r} is longer than {MAX_VALUE} characters.")
    return value


def _email(found: list[str], extra: dict, app_settings: dict) -> str | None:
    """The first mapped address, else the NameID when it is an e-mail NameID (or the admin said
    ``use_nameid_for_email``); an address that is not one counts as none."""
    candidates = list(found)
    if extra.get("name_id") and (
        extra.get("name_id_format") == EMAIL_NAMEID or app_settings.get("use_nameid_for_email")
    ):
        candidates.append(_clean("email", extra["name_id"]))
    for candidate in candidates:
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate.lower()
    return None


def _email_trusted(email: str, asserted: list[str], app_settings: dict) -> bool:
    if app_settings.get("email_trusted") is not True:
        return False
    if asserted and asserted[0].lower() not in {"true", "1", "yes"}:
        return False  # the IdP itself says this address is not verified
    domains = [d.lower().lstrip("@") for d in app_settings.get("email_domains") or []]
    return not domains or email.rpartition("@")[2] in domains


# --- configuration --------------------------------------------------------------------------


def saml_app_settings(
    *,
    idp_entity_id: str,
    metadata_url: str = "",
    x509cert: str = "",
    sso_url: str = "",
    slo_url: str = "",
    attribute_mapping: dict | None = None,
    email_trusted: bool = False,
    email_domains: list[str] | None = None,
    allow_idp_initiated: bool = IDP_INITIATED_DEFAULT,
    sp_x509cert: str = "",
    sp_private_key: str = "",
) -> dict:
    """The ``SocialApp.settings`` of one SAML IdP, checked (ValueError lists every problem).

    Either ``metadata_url`` (the IdP's metadata, fetched and cached by allauth) or
    ``x509cert`` + ``sso_url`` (+ ``slo_url``) describe the IdP. With an SP certificate and key
    the product signs its requests (Okta needs that for single logout)."""
    signs = bool(sp_x509cert and sp_private_key)
    idp = {"entity_id": idp_entity_id}
    if metadata_url:
        idp["metadata_url"] = metadata_url
    else:
        idp.update({"x509cert": x509cert, "sso_url": sso_url, **({"slo_url": slo_url} if slo_url else {})})
    advanced: dict[str, Any] = {
        **REQUIRED_ADVANCED,
        "want_message_signed": False,  # Google signs the assertion, not the response
        "want_attribute_statement": False,  # an IdP may send the e-mail as NameID only
        "reject_idp_initiated_sso": not allow_idp_initiated,
        "authn_request_signed": signs,
        "logout_request_signed": signs,
        "logout_response_signed": signs,
    }
    if signs:
        advanced.update({"x509cert": sp_x509cert, "private_key": sp_private_key})
    result = {
        "idp": idp,
        "advanced": advanced,
        "attribute_mapping": {**DEFAULT_ATTRIBUTE_MAPPING, **(attribute_mapping or {})},
        "email_trusted": email_trusted,
        "email_domains": list(email_domains or []),
    }
    problems = check_saml_settings(result)
    if problems:
        raise ValueError("; ".join(problems))
    return result


def check_saml_settings(app_settings: dict) -> list[str]:
    """What is wrong with one SAML ``SocialApp.settings`` (empty when nothing is)."""
    problems = []
    idp = app_settings.get("idp") or {}
    if not idp.get("entity_id"):
        problems.append("The IdP's entity id is missing.")
    if idp.get("metadata_url"):
        problems += _url_problems("metadata URL", idp["metadata_url"])
    elif not (idp.get("x509cert") and idp.get("sso_url")):
        problems.append("Give the IdP's metadata URL, or its signing certificate and single sign-on URL.")
    for label, key in (("single sign-on URL", "sso_url"), ("single logout URL", "slo_url")):
        if idp.get(key) and not idp.get("metadata_url"):
            problems += _url_problems(label, idp[key])
    advanced = app_settings.get("advanced") or {}
    if advanced.get("want_assertion_signed") is not True:
        problems.append("Signed assertions are required (want_assertion_signed).")
    mapping = app_settings.get("attribute_mapping") or {}
    for key, names in mapping.items():
        if key not in CLAIM_KEYS:
            problems.append(f"Unknown claim {key!r} in the attribute mapping (known: {', '.join(sorted(CLAIM_KEYS))}).")
        elif not (isinstance(names, str) or (isinstance(names, list) and all(isinstance(n, str) for n in names))):
            problems.append(f"The attribute mapping of {key!r} must be an attribute name or a list of names.")
    if not isinstance(app_settings.get("email_trusted", False), bool):
        problems.append("email_trusted must be true or false.")
    return problems


def _url_problems(label: str, url: str) -> list[str]:
    """https only; plain http for a loopback host (an IdP on the same machine)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return []
    if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}:
        return []
    return [f"The IdP's {label} must be an https address: {url!r}."]


def configure_saml_app(*, organization_slug: str, name: str, **options: Any) -> Any:
    """Create or update the SocialApp of one SAML IdP (``options`` as saml_app_settings takes
    them); returns it. The slug names its URLs, ``/sso/saml/<slug>/``."""
    from allauth.socialaccount.models import SocialApp

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", organization_slug):
        raise ValueError("The organization slug is lower-case letters, digits and dashes.")
    app_settings = saml_app_settings(**options)
    app, _ = SocialApp.objects.update_or_create(
        provider=SAMLProvider.id,
        client_id=organization_slug,
        defaults={"name": name, "provider_id": app_settings["idp"]["entity_id"], "settings": app_settings},
    )
    return app


def service_provider_urls(request: HttpRequest, organization_slug: str) -> dict[str, str]:
    """What an admin pastes into the IdP: entity id (= metadata URL), ACS and SLS URLs."""
    kwargs = {"organization_slug": organization_slug}
    return {
        "entity_id": request.build_absolute_uri(reverse("saml_metadata", kwargs=kwargs)),
        "metadata_url": request.build_absolute_uri(reverse("saml_metadata", kwargs=kwargs)),
        "acs_url": request.build_absolute_uri(reverse("saml_acs", kwargs=kwargs)),
        "sls_url": request.build_absolute_uri(reverse("saml_sls", kwargs=kwargs)),
    }


# --- the sign-in pages may send their forms on to the IdP ------------------------------------

# --- single logout ------------------------------------------------------------------------


def logout_url(request: HttpRequest) -> str | None:
    """The IdP's single logout address (a signed LogoutRequest for this session's NameID and
    SessionIndex) when this session came from a SAML IdP that has a logout URL; else None.
    Read it before the session ends (identity.views.sign_out). The IdP's LogoutResponse, and
    LogoutRequests the IdP starts, arrive at allauth's ``sls/``."""
    from allauth.socialaccount.providers.saml.utils import build_auth
    from onelogin.saml2.errors import OneLogin_Saml2_Error

    record = request.session.get(SESSION_KEY) or {}
    if not record.get("name_id"):
        return None
    app = get_adapter().list_apps(request, provider=SAMLProvider.id, client_id=record["organization"])
    if not app:
        return None
    auth = build_auth(request, app[0].get_provider(request))
    try:
        return auth.logout(
            return_to=request.build_absolute_uri(get_account_adapter(request).get_logout_redirect_url(request)),
            name_id=record["name_id"],
            session_index=record.get("session_index"),
            name_id_format=record.get("name_id_format"),
        )
    except OneLogin_Saml2_Error:  # this IdP has no single logout URL
        return None
