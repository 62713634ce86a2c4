"""The installation's Ed25519 signing key and the public keys that verify what it signed.

The private key never lives in the database: it comes from ``LEDGER_SIGNING_KEY`` (PEM, or the
32 raw bytes in base64) or from the file ``LEDGER_SIGNING_KEY_FILE``. Outside production a key
is generated once into that file (0600, git-ignored), like the install's ``.secret_key``;
production never generates one, and :func:`sign` raises :class:`SigningKeyMissing` there.

The public keys are the trust anchor, so they are not kept in the database either: the current
key (valid from ``LEDGER_SIGNING_KEY_VALID_FROM``) plus ``LEDGER_RETIRED_KEYS``, the keys it
replaced with their validity. Someone who can rewrite the database can therefore neither sign a
checkpoint nor add a key that would verify one. A key's id (``kid``) is its RFC 7638 JWK
thumbprint, so any JOSE library computes the same id from the published key.

All cryptography is the ``cryptography`` package's.
"""

import base64
import binascii
import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_datetime


class SigningKeyMissing(ImproperlyConfigured):
    """No signing key is configured (production), or the configured one cannot be read."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of the key's JWK: SHA-256 over its required members, base64url."""
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(key))}, separators=(",", ":"))
    return b64url(hashlib.sha256(members.encode("ascii")).digest())


def _time(value: Any, what: str) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(str(value))
    if parsed is None or parsed.tzinfo is None:
        raise ImproperlyConfigured(f"{what} must be an ISO 8601 date and time with a zone, not {value!r}.")
    return parsed


@dataclass(frozen=True)
class PublicKey:
    """A public key this installation signed with, and when it was in use ([from, until))."""

    key: Ed25519PublicKey
    valid_from: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None

    @property
    def kid(self) -> str:
        return key_id(self.key)

    def valid_at(self, moment: datetime.datetime) -> bool:
        if self.valid_from is not None and moment < self.valid_from:
            return False
        return self.valid_until is None or moment < self.valid_until

    def jwk(self) -> dict[str, Any]:
        """The key as a JWK (RFC 8037), with its validity as two extra members."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(_raw_public(self.key)),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def parse_private_key(text: str, *, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8) or from its 32 raw bytes in base64."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyMissing(f"{source} is not a readable unencrypted PEM private key ({exc}).") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyMissing(f"{source} is not an Ed25519 key.")
        return key
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyMissing(f"{source} is neither PEM nor base64.") from exc
    if len(raw) != 32:
        raise SigningKeyMissing(f"{source} must hold 32 raw bytes in base64, not {len(raw)}.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _parse_public_key(entry: dict[str, Any]) -> Ed25519PublicKey:
    if entry.get("pem"):
        key = serialization.load_pem_public_key(str(entry["pem"]).encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured("LEDGER_RETIRED_KEYS: a pem entry is not an Ed25519 public key.")
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(str(entry.get("x") or "")))
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured("LEDGER_RETIRED_KEYS: each entry needs x (base64url, 32 bytes) or pem.") from exc


def _generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Outside production only: a new key written once, whole, 0600; a concurrent writer wins."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".ledger_signing_key.")  # mode 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            return parse_private_key(path.read_text(), source=str(path))
        finally:
            os.unlink(draft)
    except OSError as exc:
        raise SigningKeyMissing(f"Set LEDGER_SIGNING_KEY, or let the app write its key to {path} ({exc}).") from exc
    return key


def signing_key(*, generate: bool = True) -> Ed25519PrivateKey:
    """The current private key. Outside production, with ``generate``, a missing key file is
    created. Raises SigningKeyMissing, saying what to set, when there is no key."""
    if settings.LEDGER_SIGNING_KEY:
        return parse_private_key(settings.LEDGER_SIGNING_KEY, source="LEDGER_SIGNING_KEY")
    if settings.LEDGER_SIGNING_KEY_FILE:
        path = Path(settings.LEDGER_SIGNING_KEY_FILE)
        try:
            return parse_private_key(path.read_text(), source=str(path))
        except FileNotFoundError:
            if settings.PRODUCTION or not generate:
                raise SigningKeyMissing(f"LEDGER_SIGNING_KEY_FILE {path} does not exist.") from None
            return _generate_key_file(path)
    raise SigningKeyMissing(
        "The ledger cannot be signed: production needs an Ed25519 key in LEDGER_SIGNING_KEY (PEM or base64) "
        "or LEDGER_SIGNING_KEY_FILE, kept outside the database."
    )


def current_public_key(*, generate: bool = True) -> PublicKey:
    return PublicKey(
        signing_key(generate=generate).public_key(),
        _time(settings.LEDGER_SIGNING_KEY_VALID_FROM, "LEDGER_SIGNING_KEY_VALID_FROM"),
    )


def retired_public_keys() -> list[PublicKey]:
    keys = []
    for entry in settings.LEDGER_RETIRED_KEYS or []:
        if not isinstance(entry, dict):
            raise ImproperlyConfigured("LEDGER_RETIRED_KEYS must be a JSON list of objects.")
        keys.append(
            PublicKey(
                _parse_public_key(entry),
                _time(entry.get("valid_from"), "LEDGER_RETIRED_KEYS valid_from"),
                _time(entry.get("valid_until"), "LEDGER_RETIRED_KEYS valid_until"),
            )
        )
    return keys


def public_keys(*, current: bool = True) -> dict[str, PublicKey]:
    """{kid: key} for every key known to the installation: the retired ones, and the current one
    when there is one (reading never generates a key; a production install without a key knows
    only the retired ones)."""
    keys = {key.kid: key for key in retired_public_keys()}
    if current:
        try:
            now_key = current_public_key(generate=False)
        except SigningKeyMissing:
            pass
        else:
            keys[now_key.kid] = now_key
    return keys


def jwks() -> dict[str, Any]:
    """The published key set (``/.well-known/ledger-keys.json``)."""
    return {"keys": [key.jwk() for key in public_keys().values()]}


def sign(data_for: Callable[[str], bytes]) -> tuple[str, str]:
    """Sign with the current key the bytes ``data_for(kid)`` returns, which name the key that signs
    them (so a signature cannot be passed off as another key's): (kid, base64url signature)."""
    key = signing_key()
    kid = key_id(key.public_key())
    return kid, b64url(key.sign(data_for(kid)))


def verification_problem(
    data: bytes,
    *,
    signature: str,
    kid: str,
    signed_at: datetime.datetime,
    keys: dict[str, PublicKey] | None = None,
) -> str | None:
    """Why ``signature`` over ``data`` does not stand, or None when it verifies with the known key
    ``kid`` and that key was valid at ``signed_at``. ``keys``: :func:`public_keys`, read once by a
    caller that verifies many signatures."""
    key = (public_keys() if keys is None else keys).get(kid)
    if key is None:
        return f"its key {kid} is not one of this installation's public keys"
    if not key.valid_at(signed_at):
        return f"its key {kid} was not valid at {signed_at.isoformat()}"
    try:
        key.key.verify(b64url_decode(signature), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return f"its signature does not verify with key {kid}"
    return None
