"""What the passkey ceremonies share: relying-party settings and single-use challenges.

Challenges (32 random bytes) live in PostgreSQL as their SHA-256 hash for
`CHALLENGE_LIFETIME_SECS`, so any replica can finish a ceremony another
began. A response names its challenge in its clientDataJSON; the challenge
is claimed with `DELETE ... RETURNING` before the response is verified, so
each works once, whatever the verification's outcome. A registration
challenge is bound to the user who asked for it.
"""

import hashlib
import secrets
import uuid
from typing import Any, Literal

from webauthn.helpers import parse_client_data_json
from webauthn.helpers.base64url_to_bytes import base64url_to_bytes
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException

from app.core.database import Queryable

CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME_SECS = 5 * 60
# What the browser is told to wait, in milliseconds: the challenge's life.
TIMEOUT_MS = CHALLENGE_LIFETIME_SECS * 1000
# ES256, EdDSA and RS256, the ones authenticators commonly make.
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
# Whatever a malformed response makes the library (or the base64 and JSON
# decoders under it) raise: it is a response that does not verify.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError)

Purpose = Literal["registration", "authentication"]

_STORE = """
INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
"""

# `user_id IS NOT DISTINCT FROM`: authentication challenges name nobody.
_CLAIM = """
DELETE FROM webauthn_challenges
WHERE challenge_hash = $1 AND purpose = $2 AND user_id IS NOT DISTINCT FROM $3
  AND expires_at > now()
RETURNING 1
"""


class UnverifiedResponseError(Exception):
    """The response is malformed, names no live challenge, or does not verify."""


def _hash(challenge: bytes) -> bytes:
    return hashlib.sha256(challenge).digest()


async def new_challenge(*, db: Queryable, purpose: Purpose, user_id: uuid.UUID | None) -> bytes:
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    await db.execute(_STORE, _hash(challenge), purpose, user_id, float(CHALLENGE_LIFETIME_SECS))
    return challenge


def challenge_of(credential: dict[str, Any]) -> bytes:
    """The challenge a response answers, read from its clientDataJSON (not yet verified)."""
    try:
        client_data = base64url_to_bytes(credential["response"]["clientDataJSON"])
        return parse_client_data_json(client_data).challenge
    except MALFORMED as error:
        raise UnverifiedResponseError from error


async def claim_challenge(
    *, db: Queryable, credential: dict[str, Any], purpose: Purpose, user_id: uuid.UUID | None
) -> bytes:
    """Spend the live challenge the response answers; UnverifiedResponseError if none."""
    challenge = challenge_of(credential)
    if await db.fetchval(_CLAIM, _hash(challenge), purpose, user_id) is None:
        raise UnverifiedResponseError
    return challenge
