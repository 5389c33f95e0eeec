"""Opaque refresh tokens: 256 random bits, stored only as their SHA-256 hash.

A fast hash is enough here (unlike passwords): the tokens carry full entropy,
so there is nothing to guess, and the hash keeps a database leak from handing
out live sessions.
"""

import hashlib
import secrets

REFRESH_TOKEN_BYTES = 32


def new_refresh_token() -> tuple[str, bytes]:
    """A new token and the hash to store for it."""
    token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
