"""The clients (other services) allowed to introspect tokens, and their authentication.

Settings hold each client's secret as its SHA-256 only (`INTROSPECTION__CLIENTS`):
the secrets are long random strings, so the hash cannot be reversed by
guessing and a leak of the settings gives no usable credential.

A failed authentication is counted in the shared throttle (per client address),
and past its limit the address gets 429 even with the right secret, so a
guesser learns nothing more until the window passes. A success costs no
database round trip: each process remembers the addresses it saw go over the
limit, and every failure, on whichever replica, counts and learns the verdict.
"""

import hashlib
import hmac
import logging
import math
import time

from app.core import messages
from app.core.client_address import throttle_bucket
from app.core.errors import InvalidClientError, TooManyAttemptsError
from app.core.throttle import Throttle

THROTTLE_ACTION = "introspection_client"
# Compared against when the client id is unknown, so that an unknown id and a
# wrong secret take the same time.
_NO_CLIENT = "sha256:" + "0" * 64

logger = logging.getLogger("app.security")


def secret_hash(secret: str) -> str:
    """The form a client's secret takes in INTROSPECTION__CLIENTS."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class IntrospectionClients:
    def __init__(self, *, clients: dict[str, str], throttle: Throttle) -> None:
        self._clients = clients
        self._throttle = throttle
        # Throttle bucket of a client address -> monotonic time until which it is
        # refused. Only addresses past the limit get in, and leave once it expires.
        self._blocked: dict[str, float] = {}

    def _blocked_for(self, address: str) -> int:
        remaining = self._blocked.get(throttle_bucket(address), 0.0) - time.monotonic()
        return max(math.ceil(remaining), 0)

    def _block(self, address: str, secs: int) -> None:
        now = time.monotonic()
        self._blocked = {bucket: until for bucket, until in self._blocked.items() if until > now}
        self._blocked[throttle_bucket(address)] = now + secs

    async def authenticate(self, *, address: str, client_id: str | None, secret: str) -> str:
        """The client id when `secret` is its secret; InvalidClientError or TooManyAttemptsError."""
        retry_after = self._blocked_for(address)
        if retry_after:
            raise TooManyAttemptsError(messages.TOO_MANY_ATTEMPTS, retry_after_secs=retry_after)
        expected = self._clients.get(client_id or "", _NO_CLIENT)
        # Constant time: how long the comparison takes says nothing of the hash.
        matches = hmac.compare_digest(secret_hash(secret), expected)
        if client_id is not None and client_id in self._clients and matches:
            return client_id
        logger.warning(
            "Introspection client authentication failed",
            extra={"event": "introspection_client_refused", "client": address},
        )
        try:
            await self._throttle.attempt(THROTTLE_ACTION, client=address)
        except TooManyAttemptsError as error:
            self._block(address, error.retry_after_secs)
            raise
        raise InvalidClientError(messages.INVALID_CLIENT)
