"""Sign-in with a passkey: request options, then the `passkey` grant of the token endpoint."""

import json
from typing import Any

from app.core import messages, token_grants, webauthn_ceremony
from app.core.client_address import Client
from app.core.errors import InvalidGrantError
from app.core.services import Services

# RFC 8176: a hardware-bound key, with the user verified by the authenticator.
AMR = ["hwk", "user"]

# Only a passkey of an active account.
_FIND = """
SELECT p.passkey_id, p.user_id, p.public_key, p.sign_count, u.webauthn_user_handle, u.email
FROM passkeys AS p JOIN users AS u ON u.user_id = p.user_id
WHERE p.credential_id = $1 AND u.is_active
"""

# The counter moves forward only, in one statement: of two sign-ins with
# one assertion, or with a cloned authenticator's, at most one passes. An
# authenticator without a counter always reports 0.
_USED = """
UPDATE passkeys SET sign_count = $2, last_used_at = now()
WHERE passkey_id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))
RETURNING 1
"""


async def authentication_options(*, services: Services, client: Client) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptionsJSON` for discoverable credentials (no allow list)."""
    await services.throttle.attempt("passkey", client=client.address)
    challenge = await webauthn_ceremony.new_challenge(
        db=services.database, purpose="authentication", user_id=None
    )
    return webauthn_ceremony.authentication_options(
        rp_id=services.settings.webauthn.rp_id, challenge=challenge
    )


def _parse(credential_json: str) -> dict[str, Any]:
    try:
        credential = json.loads(credential_json)
    except ValueError as error:
        raise webauthn_ceremony.UnverifiedResponseError from error
    if not isinstance(credential, dict):
        raise webauthn_ceremony.UnverifiedResponseError
    return credential


async def passkey_grant(
    *, services: Services, client: Client, credential_json: str
) -> token_grants.IssuedTokens:
    """Open a session for the `AuthenticationResponseJSON` of a registered passkey.

    Refused alike (`invalid_grant`): a malformed response, a spent or expired
    challenge (claimed before verifying, so each works once), an unknown
    credential, a user handle that is not its account's, an inactive
    account, a response that does not verify, a counter that did not go up.
    """
    db, settings = services.database, services.settings
    await services.throttle.attempt("passkey", client=client.address)
    try:
        credential = _parse(credential_json)
        challenge = await webauthn_ceremony.claim_challenge(
            db=db, credential=credential, purpose="authentication", user_id=None
        )
        assertion = webauthn_ceremony.parse_assertion(credential)
        row = await db.fetchrow(_FIND, assertion.credential_id)
        handle = assertion.user_handle
        if row is None or (handle is not None and handle != row["webauthn_user_handle"]):
            raise webauthn_ceremony.UnverifiedResponseError
        new_sign_count = webauthn_ceremony.verify_assertion(
            assertion=assertion,
            challenge=challenge,
            rp_id=settings.webauthn.rp_id,
            origins=settings.webauthn_origins(),
            public_key=row["public_key"],
            sign_count=row["sign_count"],
        )
    except webauthn_ceremony.UnverifiedResponseError as error:
        raise InvalidGrantError(messages.PASSKEY_SIGN_IN_FAILED) from error
    counted = await db.fetchval(_USED, row["passkey_id"], new_sign_count)
    if counted is None:  # pragma: no cover - a race: another sign-in moved the counter meanwhile
        raise InvalidGrantError(messages.PASSKEY_SIGN_IN_FAILED)
    return await token_grants.open_session_tokens(
        services=services, client=client, user_id=row["user_id"], email=row["email"], amr=AMR
    )
