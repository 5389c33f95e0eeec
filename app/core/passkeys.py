"""The signed-in user's passkeys: registration (options, then the response), list, delete."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core import account_events, mail, messages, sessions, webauthn_ceremony
from app.core.client_address import Client
from app.core.database import Database, Queryable
from app.core.errors import InvalidInputError, NotFoundError
from app.core.services import Services
from app.core.token_grants import notice_context

USER_HANDLE_BYTES = 32

# The account's user handle, made on first use: random, never the email.
_USER_HANDLE = """
UPDATE users SET webauthn_user_handle = coalesce(webauthn_user_handle, $2)
WHERE user_id = $1 RETURNING webauthn_user_handle
"""
_CREDENTIAL_IDS = "SELECT credential_id FROM passkeys WHERE user_id = $1"
# A credential id already registered (by anyone) is refused, not moved.
_INSERT = """
INSERT INTO passkeys (passkey_id, user_id, credential_id, public_key, sign_count, name)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (credential_id) DO NOTHING
RETURNING passkey_id, name, created_at, last_used_at
"""
_LIST = """
SELECT passkey_id, name, created_at, last_used_at FROM passkeys
WHERE user_id = $1 ORDER BY created_at, passkey_id
"""
_DELETE = "DELETE FROM passkeys WHERE passkey_id = $1 AND user_id = $2 RETURNING 1"


@dataclass(frozen=True, slots=True)
class Passkey:
    passkey_id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None


def _passkey(row: Any) -> Passkey:
    return Passkey(row["passkey_id"], row["name"], row["created_at"], row["last_used_at"])


async def user_handle(*, db: Queryable, user_id: uuid.UUID) -> bytes:
    handle: bytes = await db.fetchval(_USER_HANDLE, user_id, secrets.token_bytes(USER_HANDLE_BYTES))
    return handle


async def registration_options(
    *, services: Services, client: Client, session: sessions.SessionUser
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptionsJSON` for a new passkey of the user.

    Resident key and user verification required; the user's passkeys are
    excluded, so an authenticator does not register twice.
    """
    db, settings = services.database, services.settings.webauthn
    await services.throttle.attempt("passkey", client=client.address)
    handle = await user_handle(db=db, user_id=session.user_id)
    existing = await db.fetch(_CREDENTIAL_IDS, session.user_id)
    challenge = await webauthn_ceremony.new_challenge(
        db=db, purpose="registration", user_id=session.user_id
    )
    return webauthn_ceremony.registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_handle=handle,
        user_name=session.email,
        challenge=challenge,
        exclude_credential_ids=[row[0] for row in existing],
    )


async def register(
    *,
    services: Services,
    client: Client,
    session: sessions.SessionUser,
    credential: dict[str, Any],
    name: str,
) -> Passkey:
    """Verify a `RegistrationResponseJSON` against the user's challenge and store the passkey.

    InvalidInputError for a response that does not verify: another user's or
    a spent or expired challenge, another origin or RP ID, no user
    verification, an algorithm not offered, a credential already registered.
    Records `passkey.added` with it, and sends the account a notice.
    """
    db, settings = services.database, services.settings
    await services.throttle.attempt("passkey", client=client.address)
    try:
        challenge = await webauthn_ceremony.claim_challenge(
            db=db, credential=credential, purpose="registration", user_id=session.user_id
        )
        verified = webauthn_ceremony.verify_registration(
            credential=credential,
            challenge=challenge,
            rp_id=settings.webauthn.rp_id,
            origins=settings.webauthn_origins(),
        )
    except webauthn_ceremony.UnverifiedResponseError as error:
        raise InvalidInputError(messages.PASSKEY_NOT_VERIFIED) from error
    async with db.transaction() as connection:
        row = await connection.fetchrow(
            _INSERT,
            uuid.uuid4(),
            session.user_id,
            verified.credential_id,
            verified.public_key,
            verified.sign_count,
            name,
        )
        if row is None:
            raise InvalidInputError(messages.PASSKEY_NOT_VERIFIED)
        await account_events.record(
            connection,
            user_id=session.user_id,
            event_type=account_events.PASSKEY_ADDED,
            client=client,
        )
    mail.queue_email(
        jobs=services.background_jobs,
        settings=settings,
        template="passkey_added",
        recipient=session.email,
        **notice_context(client),
    )
    return _passkey(row)


async def list_passkeys(*, db: Queryable, user_id: uuid.UUID) -> list[Passkey]:
    return [_passkey(row) for row in await db.fetch(_LIST, user_id)]


async def delete_passkey(
    *, db: Database, client: Client, user_id: uuid.UUID, passkey_id: uuid.UUID
) -> None:
    """Delete it and record `passkey.removed`; NotFoundError for a passkey that is not
    the user's (another user's included)."""
    async with db.transaction() as connection:
        if await connection.fetchval(_DELETE, passkey_id, user_id) is None:
            raise NotFoundError(messages.PASSKEY_NOT_FOUND)
        await account_events.record(
            connection, user_id=user_id, event_type=account_events.PASSKEY_REMOVED, client=client
        )
