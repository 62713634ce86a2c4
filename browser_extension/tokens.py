"""Secrets of the extension: pairing codes and device tokens, and how they are stored.

A pairing code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about
40 bits: enough for a code that lives 10 minutes, is good once and whose wrong guesses are
rate-limited per address. It is stored as an HMAC keyed with SECRET_KEY, so a copy of the
table alone does not let anyone try the whole space offline. A device token is 256 random
bits with a recognisable prefix; its SHA-256 is what the database keeps.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
TOKEN_PREFIX = "gext_"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code as typed (any case, spaces or dashes) in its one spelling; None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 32:
        return None
    code = raw.upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def display_code(code: str) -> str:
    """Shown in two groups of four, easier to read and type: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def code_digest(code: str) -> str:
    key = f"browser-extension-pairing:{settings.SECRET_KEY}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
