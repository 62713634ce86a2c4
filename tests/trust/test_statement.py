"""The signed statement verifies offline with the published key set and a JOSE library other
than the one that signed it (PyJWT; the statement is joserfc's), and nothing else does: a
changed payload byte, another key, another key's kid."""

import base64
import datetime
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from governance import signing
from tests.clock import noon_on
from trust import statement

TODAY = datetime.date(2026, 5, 12)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def _download(client):
    response = client.get(reverse("trust:statement"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jose"
    assert response["Content-Disposition"] == f'attachment; filename="trust-statement-{TODAY.isoformat()}.jws"'
    return response.content.decode("ascii")


def _published_keys(client):
    return client.get(reverse("ledger-keys")).json()


def _verify(token, key_set):
    """What a customer does with PyJWT: the key named by the header's kid, EdDSA only."""
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [key for key in key_set["keys"] if key["kid"] == kid]
    return jwt.api_jws.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"])


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_the_statement_verifies_with_the_published_keys_and_holds_the_json(client, trust_org, trust_on, checkpoint):
    token = _download(client)
    header = jwt.get_unverified_header(token)
    assert header == {
        "alg": "EdDSA",
        "typ": "trust-statement+jws",
        "cty": "json",
        "kid": signing.current_public_key().kid,
    }
    payload = _verify(token, _published_keys(client))
    assert payload == client.get(reverse("trust:json")).content  # the very bytes of the JSON
    assert json.loads(payload)["checkpoint"]["count"] == checkpoint.count


def test_the_page_s_recipe_verifies_the_statement(client, trust_org, trust_on):
    from joserfc import jws
    from joserfc.jwk import KeySet

    token = _download(client)
    keys = KeySet.import_key_set(_published_keys(client))
    with pytest.warns(Warning, match="EdDSA"):  # joserfc prefers RFC 9864's name; the recipe still works
        verified = jws.deserialize_compact(token, keys, algorithms=["EdDSA"])
    assert json.loads(verified.payload) == json.loads(client.get(reverse("trust:json")).content)


def test_a_statement_with_one_payload_byte_changed_is_refused(client, trust_org, trust_on):
    token = _download(client)
    protected, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    at = raw.index(b'"as_of":"') + len(b'"as_of":"') + 3
    raw[at] = ord("7") if raw[at] != ord("7") else ord("8")  # one digit of the date
    forged = f"{protected}.{_b64(bytes(raw))}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(forged, _published_keys(client))


def test_a_statement_signed_by_another_key_is_refused(client, trust_org, trust_on, settings):
    keys = _published_keys(client)
    genuine_kid = jwt.get_unverified_header(_download(client))["kid"]
    other = Ed25519PrivateKey.generate()
    settings.LEDGER_SIGNING_KEY = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    impostor = _download(client)
    assert jwt.get_unverified_header(impostor)["kid"] not in {key["kid"] for key in keys["keys"]}
    with pytest.raises(ValueError):  # no published key has its kid
        _verify(impostor, keys)
    # Claiming the genuine key's kid does not help: the signature is not that key's.
    protected, payload, signature = impostor.split(".")
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    relabelled = _b64(json.dumps({**header, "kid": genuine_kid}).encode())
    signed = _b64(other.sign(f"{relabelled}.{payload}".encode("ascii")))
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(f"{relabelled}.{payload}.{signed}", keys)


def test_the_canonical_form_is_sorted_compact_utf8():
    assert statement.canonical_json({"b": [1, 2.5], "a": "Zoë"}) == '{"a":"Zoë","b":[1,2.5]}'.encode()
    with pytest.raises(ValueError):
        statement.canonical_json({"share": float("nan")})


def test_without_a_signing_key_the_statement_answers_503(client, trust_org, trust_on, settings):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = ""
    response = client.get(reverse("trust:statement"))
    assert response.status_code == 503
