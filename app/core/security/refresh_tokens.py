"""Refresh tokens that name their session and generation, so a session stores one row.

A token is `base64url(session id || generation || tag)`, where the tag is
HMAC-SHA256 over the session id and generation under a key derived from the
service's secret. The session row keeps only the number of its live
generation. Then:

- the live token is the one whose generation equals the row's; a refresh
  moves the row to the next generation in one conditional UPDATE, so of
  concurrent refreshes with one token exactly one wins;
- every earlier token of the session is recognised as spent without being
  stored (its generation is lower), so reuse detection catches all of them,
  however many refreshes ago they were spent;
- nothing but a genuine token passes: without the key, knowing a session id
  (every access token carries it as `sid`) and guessing a generation does
  not give the tag, so a forged token gets 400 and revokes nothing;
- the database holds no usable token: its rows have no tag, and the key is
  not in the database.

Tags are 256 bits, as unpredictable as random tokens of that size.
"""

import base64
import binascii
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass

_BODY = struct.Struct(">16sQ")
_TAG_BYTES = 32
_TOKEN_BYTES = _BODY.size + _TAG_BYTES
# Base64url without padding: 56 bytes are 75 characters.
TOKEN_LENGTH = 75


@dataclass(frozen=True, slots=True)
class RefreshTokenClaims:
    session_id: uuid.UUID
    generation: int


class RefreshTokens:
    def __init__(self, *, key: bytes) -> None:
        self._key = key

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()

    def issue(self, *, session_id: uuid.UUID, generation: int) -> str:
        body = _BODY.pack(session_id.bytes, generation)
        return base64.urlsafe_b64encode(body + self._tag(body)).rstrip(b"=").decode()

    def read(self, token: str) -> RefreshTokenClaims | None:
        """The session and generation of a genuine token; None for anything else."""
        if len(token) != TOKEN_LENGTH or not token.isascii():
            return None
        try:
            raw = base64.b64decode(token + "=", altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            return None
        body, tag = raw[: _BODY.size], raw[_BODY.size :]
        # Constant-time comparison: the time taken reveals nothing of the tag.
        if len(raw) != _TOKEN_BYTES or not hmac.compare_digest(tag, self._tag(body)):
            return None
        session_bytes, generation = _BODY.unpack(body)
        return RefreshTokenClaims(session_id=uuid.UUID(bytes=session_bytes), generation=generation)
