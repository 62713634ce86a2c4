"""The signed statement: a JWS (RFC 7515, compact serialization) over the canonical JSON of the
trust page's figures, signed with the installation's Ed25519 key (governance.signing), so that a
customer verifies it offline with the published key set (/.well-known/ledger-keys.json) and any
JOSE library.

Canonical JSON: keys sorted, no whitespace, UTF-8 (no \\u escapes), numbers as JSON writes them.
/trust.json answers these very bytes, so the statement's payload equals the JSON of the moment.
The JOSE work is joserfc's; the key is governance.signing's (its kid is the key's RFC 7638
thumbprint, the kid the key set publishes).
"""

import json
import warnings
from typing import Any

from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from governance import signing

# The JWS "typ" (RFC 7515 4.1.9): what this object is, so it cannot pass for another signed thing.
STATEMENT_TYPE = "trust-statement+jws"
ALGORITHM = "EdDSA"


def canonical_json(value: Any) -> bytes:
    """The one byte form of ``value`` that the statement signs and /trust.json serves."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sign_statement(figures: dict[str, Any]) -> str:
    """``figures`` as a compact JWS signed with the current key. Raises
    governance.signing.SigningKeyMissing when no key is configured."""
    private = signing.signing_key()
    header = {"alg": ALGORITHM, "typ": STATEMENT_TYPE, "cty": "json", "kid": signing.key_id(private.public_key())}
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" since RFC 9864 named "Ed25519"; the key set publishes "EdDSA" and
        # the JOSE libraries customers use (PyJWT, jose, node-jose) know only that name.
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(
            header, canonical_json(figures), OKPKey.import_key(private), algorithms=[ALGORITHM]
        )
