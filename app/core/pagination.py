"""Opaque, signed cursors for keyset pagination of the user list.

A cursor names the last row of a page by its key (created_at, user_id):
8 bytes of microseconds since the epoch, the 16 bytes of the UUID, and an
HMAC-SHA256 tag over both, base64url-encoded without padding. The tag is why
a client cannot hand us a key we did not give out: any change, however
small, fails the check and the request gets 422, never a query.
"""

import base64
import binascii
import hashlib
import hmac
import re
import struct
import uuid
from datetime import UTC, datetime, timedelta

from app.core.security.keys import derive_key

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY = struct.Struct(">q16s")
_TAG_BYTES = 16
_CURSOR_BYTES = _KEY.size + _TAG_BYTES
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_KEY_PURPOSE = b"user-list-cursor"


class InvalidCursorError(Exception):
    pass


class CursorSigner:
    def __init__(self, *, secret: str) -> None:
        self._key = derive_key(secret, _KEY_PURPOSE)

    def _tag(self, key: bytes) -> bytes:
        return hmac.new(self._key, key, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, *, created_at: datetime, user_id: uuid.UUID) -> str:
        micros = (created_at - EPOCH) // timedelta(microseconds=1)
        key = _KEY.pack(micros, user_id.bytes)
        return base64.urlsafe_b64encode(key + self._tag(key)).rstrip(b"=").decode()

    def decode(self, cursor: str) -> tuple[datetime, uuid.UUID]:
        """The key a cursor names; InvalidCursorError for anything we did not sign."""
        if not _BASE64URL.fullmatch(cursor):
            raise InvalidCursorError
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except binascii.Error as error:
            raise InvalidCursorError from error
        if len(raw) != _CURSOR_BYTES:
            raise InvalidCursorError
        key, tag = raw[: _KEY.size], raw[_KEY.size :]
        # Constant-time comparison: the time taken reveals nothing of the tag.
        if not hmac.compare_digest(tag, self._tag(key)):
            raise InvalidCursorError
        micros, user_id = _KEY.unpack(key)
        return EPOCH + timedelta(microseconds=micros), uuid.UUID(bytes=user_id)
