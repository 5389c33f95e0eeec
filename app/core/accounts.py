"""User accounts: registration, credentials, passwords, deletion: each operation once."""

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.core import messages, security_events, sessions, superuser_guard
from app.core.client_address import Client
from app.core.database import Database, Queryable, driver_connection
from app.core.email_address import canonical_email
from app.core.errors import ConflictError, InvalidInputError
from app.core.security.password import PasswordHashing
from app.core.throttle import Throttle
from app.models import MAX_EMAIL_LENGTH, User

# The second-factor check rides on the same indexed lookup: a login without
# one costs no extra round trip.
_CREDENTIALS_BY_EMAIL = """
SELECT u.user_id, u.password_hash, u.is_active,
       EXISTS (
           SELECT 1 FROM totp_factors AS f
           WHERE f.user_id = u.user_id AND f.confirmed_at IS NOT NULL
       ) AS mfa_enabled
FROM users AS u WHERE u.email_canonical = $1
"""
_PASSWORD_HASH_BY_ID = "SELECT password_hash FROM users WHERE user_id = $1"
_DELETE_RECOVERY_TOKENS = "DELETE FROM password_reset_tokens WHERE user_id = $1"
_SET_PASSWORD_HASH = "UPDATE users SET password_hash = $2, updated_at = now() WHERE user_id = $1"

_DELETE_USER = "DELETE FROM users WHERE user_id = $1 RETURNING user_id"


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: uuid.UUID
    password_hash: str
    is_active: bool
    mfa_enabled: bool


def is_storable_text(value: str, max_length: int) -> bool:
    """Whether PostgreSQL can take `value` as text at all (no NUL, valid UTF-8)."""
    if len(value) > max_length or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def find_credentials(*, db: Database, email: str) -> Credentials | None:
    # A login form may carry anything; what the database could not hold is
    # simply no account, so the caller still spends the same hashing work.
    if not is_storable_text(email, MAX_EMAIL_LENGTH):
        return None
    row = await db.fetchrow(_CREDENTIALS_BY_EMAIL, canonical_email(email))
    if row is None:
        return None
    return Credentials(
        user_id=row["user_id"],
        password_hash=row["password_hash"],
        is_active=row["is_active"],
        mfa_enabled=row["mfa_enabled"],
    )


async def set_password_hash(*, db: Queryable, user_id: uuid.UUID, password_hash: str) -> None:
    await db.execute(_SET_PASSWORD_HASH, user_id, password_hash)


async def register(
    *,
    db: Database,
    hashing: PasswordHashing,
    throttle: Throttle,
    client: Client,
    email: str,
    password: str,
) -> User:
    """Create an account; ConflictError when its canonical email is taken."""
    await throttle.request_for("register", client=client.address, email=email)
    user = User(
        email=email,
        email_canonical=canonical_email(email),
        password_hash=await hashing.hash(password),
    )
    async with db.session() as session:
        session.add(user)
        try:
            await session.commit()
        except IntegrityError as error:
            raise ConflictError(messages.EMAIL_ALREADY_REGISTERED) from error
        await session.refresh(user)
    return user


async def check_current_password(
    *,
    db: Database,
    hashing: PasswordHashing,
    throttle: Throttle,
    client: Client,
    session: sessions.SessionUser,
    password: str,
) -> None:
    """InvalidInputError unless `password` is the signed-in user's.

    A wrong one counts as a failed login of the account from this address:
    a stolen access token does not buy unthrottled guesses.
    """
    await throttle.password_check(client=client.address, email=session.email)
    stored_hash: str | None = await db.fetchval(_PASSWORD_HASH_BY_ID, session.user_id)
    matches, _ = await hashing.verify(stored_hash, password)
    if stored_hash is None or not matches:
        raise InvalidInputError(messages.WRONG_CURRENT_PASSWORD)
    await throttle.password_check_succeeded(client=client.address, email=session.email)


async def change_password(
    *,
    db: Database,
    hashing: PasswordHashing,
    throttle: Throttle,
    client: Client,
    session: sessions.SessionUser,
    current_password: str,
    new_password: str,
) -> None:
    """Set a new password: every other session and every recovery token of the user go.

    The current password is checked as `check_current_password` does. The
    hash, the revocations and the spent recovery tokens change in one
    transaction.
    """
    await check_current_password(
        db=db,
        hashing=hashing,
        throttle=throttle,
        client=client,
        session=session,
        password=current_password,
    )
    password_hash = await hashing.hash(new_password)
    async with db.transaction() as connection:
        await set_password_hash(db=connection, user_id=session.user_id, password_hash=password_hash)
        await sessions.revoke_other_sessions(
            db=connection, user_id=session.user_id, keep_session_id=session.session_id
        )
        await connection.execute(_DELETE_RECOVERY_TOKENS, session.user_id)
    security_events.password_changed(user_id=session.user_id)


async def delete_user(
    *, db: Database, user_id: uuid.UUID, acting_superuser_id: uuid.UUID | None
) -> bool:
    """Delete the account; its sessions go with it (ON DELETE CASCADE). False if unknown.

    `acting_superuser_id` is the superuser deleting another's account, None
    when the owner deletes it. The last active superuser is never deleted
    (ConflictError), whoever asks. A refresh running meanwhile holds its
    session's row until it commits, then finds the row gone or the user
    deleted: it gets 400, never a deadlock.
    """
    async with db.session() as session:
        await superuser_guard.check_removal(
            session=session, user_id=user_id, acting_superuser_id=acting_superuser_id
        )
        connection = await driver_connection(session)
        deleted = await connection.fetchval(_DELETE_USER, user_id) is not None
        await session.commit()
    return deleted
