"""Opaque secret tokens (refresh, recovery): 256 random bits, stored only as their SHA-256 hash.

A fast hash is enough here (unlike passwords): the tokens carry full entropy,
so there is nothing to guess, and the hash keeps a database leak from handing
out live sessions or working links.
"""

import hashlib
import secrets

TOKEN_BYTES = 32


def new_secret_token() -> tuple[str, bytes]:
    """A new token and the hash to store for it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_secret_token(token)


def hash_secret_token(token: str) -> bytes:
    # Clients may send lone surrogates (`\ud800` in JSON): they hash, never crash.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
