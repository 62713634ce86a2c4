"""What a provider says about the person, in one provider-neutral shape (``Claims``).

Every value is untrusted input: it is checked here (type, length, control characters, the
HR id's form) and refused with a clear ``ClaimError`` rather than guessed at. Which claim
carries what is a per-provider option (identity.providers)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from governance.models import User
from governance.validators import EXTERNAL_ID_HELP, control_character, is_url_safe_id
from identity import saml
from identity.providers import Options

MAX_GROUPS = 1000


class ClaimError(ValueError):
    """The provider sent something this product does not accept; ``str()`` says what."""


@dataclass(frozen=True)
class Claims:
    subject: str
    email: str = ""
    email_verified: bool = False
    employee_number: str = ""
    groups: tuple[str, ...] = ()
    full_name: str = ""


def text(value: Any, what: str, *, max_length: int) -> str:
    """A claim as stripped text ("" when absent); numbers are accepted as their digits."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ClaimError(f"The identity provider sent the {what} in a form this product does not accept.")
    value = value.strip()
    if control_character(value):
        raise ClaimError(f"The identity provider sent a {what} with a control character.")
    if len(value) > max_length:
        raise ClaimError(f"The identity provider sent a {what} longer than {max_length} characters.")
    return value


def is_true(value: Any) -> bool:
    """Only a JSON true or the string "true" counts: a provider that says nothing did not verify."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def email_of(value: Any) -> str:
    email = text(value, "e-mail address", max_length=254)
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as error:
        raise ClaimError("The identity provider sent an e-mail address that is not valid.") from error
    return User.objects.normalize_login(email)


def employee_number_of(value: Any) -> str:
    number = text(value, "HR id (employee number)", max_length=64)
    if number and not is_url_safe_id(number):
        raise ClaimError(f"The identity provider sent an HR id this product does not accept: {EXTERNAL_ID_HELP}")
    return number


def groups_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ClaimError("The identity provider sent the groups in a form this product does not accept.")
    if len(items) > MAX_GROUPS:
        raise ClaimError(f"The identity provider sent more than {MAX_GROUPS} groups; filter the groups it sends.")
    return tuple(sorted({g for g in (text(item, "group name", max_length=256) for item in items) if g}))


def claims_from(data: Mapping[str, Any], *, subject: Any, options: Options) -> Claims:
    """``Claims`` from one flat mapping of claims (an OIDC token's, a SAML assertion's attributes)."""
    names = options.claims
    groups_claim = names["groups"]
    overage = data.get("_claim_names")
    if isinstance(overage, Mapping) and groups_claim in overage:
        # Entra ID leaves the groups out past 200 of them; reading "no groups" would take roles away.
        raise ClaimError("The identity provider left the groups out (too many); filter the groups it sends.")
    full_name = text(data.get(names["name"]), "name", max_length=200)
    if not full_name:
        given = text(data.get("given_name"), "given name", max_length=100)
        family = text(data.get("family_name"), "family name", max_length=100)
        full_name = f"{given} {family}".strip()
    claims = Claims(
        subject=text(subject, "subject", max_length=255),
        email=email_of(data.get(names["email"])),
        email_verified=is_true(data.get("email_verified")),
        employee_number=employee_number_of(data.get(names["employee_number"])),
        groups=groups_of(data.get(groups_claim)),
        full_name=full_name,
    )
    if not claims.subject:
        raise ClaimError("The identity provider did not say who signed in (no subject).")
    return claims


def oidc_claims(extra_data: Mapping[str, Any], *, subject: Any, options: Options) -> Claims:
    """OpenID Connect: the ID token's claims, with the userinfo endpoint's answer over them."""
    merged: dict[str, Any] = {}
    for part in ("id_token", "userinfo"):
        value = extra_data.get(part)
        if isinstance(value, Mapping):
            merged.update(value)
    return claims_from(merged, subject=subject, options=options)


def claims_for(sociallogin: Any, options: Options) -> Claims:
    """The claims of an allauth social login, by the kind of provider it came through."""
    kind = sociallogin.account.get_provider().id
    if kind == "openid_connect":
        return oidc_claims(sociallogin.account.extra_data or {}, subject=sociallogin.account.uid, options=options)
    if kind == "saml":
        # The attribute mapping is the SAML app's own (identity.saml); domains and just-in-time
        # creation are the provider's options, as for OpenID Connect.
        try:
            found = saml.saml_claims(sociallogin, sociallogin.provider.app)
        except saml.SAMLClaimError as error:
            raise ClaimError(str(error)) from error
        return Claims(
            subject=found["subject"],
            email=found["email"] or "",
            email_verified=found["email_verified"],
            employee_number=employee_number_of(found["employee_number"]),
            groups=tuple(sorted(set(found["groups"]))),
            full_name=found["full_name"],
        )
    raise ClaimError(f"Sign-in through {kind} is not supported.")
