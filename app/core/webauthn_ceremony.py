"""What the passkey ceremonies share: single-use challenges, and py_webauthn.

Challenges (32 random bytes) live in PostgreSQL as their SHA-256 hash for
`CHALLENGE_LIFETIME_SECS`, so any replica can finish a ceremony another
began. A response names its challenge in its clientDataJSON; the challenge
is claimed with `DELETE ... RETURNING` before the response is verified, so
each works once, whatever the verification's outcome. A registration
challenge is bound to the user who asked for it.

This is the only module that uses py_webauthn, and it imports it in the
functions that need it: a worker that serves no passkey ceremony never
loads it (with the x509 and attestation code under it). Whatever the
library (or the base64 and JSON decoders under it) raises on a malformed
or forged response comes out as `UnverifiedResponseError`.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from app.core.database import Queryable

CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME_SECS = 5 * 60
# What the browser is told to wait, in milliseconds: the challenge's life.
TIMEOUT_MS = CHALLENGE_LIFETIME_SECS * 1000
# COSE identifiers of ES256, EdDSA and RS256, the ones authenticators commonly make.
ALGORITHMS = (-7, -8, -257)

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


def _malformed() -> tuple[type[Exception], ...]:
    from webauthn.helpers.exceptions import WebAuthnException  # noqa: PLC0415 - see the docstring

    return (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError)


def challenge_of(credential: dict[str, Any]) -> bytes:
    """The challenge a response answers, read from its clientDataJSON (not yet verified)."""
    from webauthn.helpers import base64url_to_bytes, parse_client_data_json  # noqa: PLC0415

    try:
        client_data = base64url_to_bytes(credential["response"]["clientDataJSON"])
        return parse_client_data_json(client_data).challenge
    except _malformed() as error:
        raise UnverifiedResponseError from error


async def claim_challenge(
    *, db: Queryable, credential: dict[str, Any], purpose: Purpose, user_id: uuid.UUID | None
) -> bytes:
    """Spend the live challenge the response answers; UnverifiedResponseError if none."""
    challenge = challenge_of(credential)
    if await db.fetchval(_CLAIM, _hash(challenge), purpose, user_id) is None:
        raise UnverifiedResponseError
    return challenge


def registration_options(
    *,
    rp_id: str,
    rp_name: str,
    user_handle: bytes,
    user_name: str,
    challenge: bytes,
    exclude_credential_ids: list[bytes],
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptionsJSON`: resident key and user verification required."""
    from webauthn import generate_registration_options  # noqa: PLC0415
    from webauthn.helpers.cose import COSEAlgorithmIdentifier  # noqa: PLC0415
    from webauthn.helpers.options_to_json_dict import options_to_json_dict  # noqa: PLC0415
    from webauthn.helpers.structs import (  # noqa: PLC0415
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_name=user_name,
        user_id=user_handle,
        user_display_name=user_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=credential_id)
            for credential_id in exclude_credential_ids
        ],
        supported_pub_key_algs=[COSEAlgorithmIdentifier(value) for value in ALGORITHMS],
    )
    return options_to_json_dict(options)


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int


def verify_registration(
    *, credential: dict[str, Any], challenge: bytes, rp_id: str, origins: list[str]
) -> NewCredential:
    """The credential a `RegistrationResponseJSON` registers, with user verification."""
    from webauthn import verify_registration_response  # noqa: PLC0415
    from webauthn.helpers.cose import COSEAlgorithmIdentifier  # noqa: PLC0415

    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
            supported_pub_key_algs=[COSEAlgorithmIdentifier(value) for value in ALGORITHMS],
        )
    except _malformed() as error:
        raise UnverifiedResponseError from error
    return NewCredential(
        verified.credential_id, verified.credential_public_key, verified.sign_count
    )


def authentication_options(*, rp_id: str, challenge: bytes) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptionsJSON` for discoverable credentials (no allow list)."""
    from webauthn import generate_authentication_options  # noqa: PLC0415
    from webauthn.helpers.options_to_json_dict import options_to_json_dict  # noqa: PLC0415
    from webauthn.helpers.structs import UserVerificationRequirement  # noqa: PLC0415

    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json_dict(options)


@dataclass(frozen=True, slots=True)
class Assertion:
    """An `AuthenticationResponseJSON`, parsed but not verified."""

    credential_id: bytes
    user_handle: bytes | None
    parsed: Any


def parse_assertion(credential: dict[str, Any]) -> Assertion:
    from webauthn.helpers import parse_authentication_credential_json  # noqa: PLC0415

    try:
        parsed = parse_authentication_credential_json(credential)
    except _malformed() as error:
        raise UnverifiedResponseError from error
    return Assertion(parsed.raw_id, parsed.response.user_handle, parsed)


def verify_assertion(
    *,
    assertion: Assertion,
    challenge: bytes,
    rp_id: str,
    origins: list[str],
    public_key: bytes,
    sign_count: int,
) -> int:
    """The authenticator's new signature counter, for an assertion that verifies."""
    from webauthn import verify_authentication_response  # noqa: PLC0415

    try:
        verified = verify_authentication_response(
            credential=assertion.parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except _malformed() as error:
        raise UnverifiedResponseError from error
    new_sign_count: int = verified.new_sign_count
    return new_sign_count
