"""User accounts: registration, credentials, passwords, deletion: each operation once."""

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.core import (
    account_events,
    email_verification,
    mail,
    messages,
    security_events,
    sessions,
    superuser_guard,
)
from app.core.background_jobs import BackgroundJobs
from app.core.client_address import Client
from app.core.config import Settings
from app.core.database import Database, Queryable, driver_connection
from app.core.email_address import canonical_email
from app.core.errors import ConflictError, InvalidInputError
from app.core.security.password import PasswordHashing
from app.core.throttle import Throttle
from app.models import MAX_EMAIL_LENGTH, User

# `mfa_enabled` rides on the same indexed lookup: a login without a second
# factor costs no extra round trip.
_CREDENTIALS_BY_EMAIL = """
SELECT user_id, email, password_hash, is_active, email_verified, mfa_enabled FROM users
WHERE email_canonical = $1
"""
_PASSWORD_HASH_BY_ID = "SELECT password_hash FROM users WHERE user_id = $1"
_DELETE_RECOVERY_TOKENS = "DELETE FROM password_reset_tokens WHERE user_id = $1"
_SET_PASSWORD_HASH = "UPDATE users SET password_hash = $2, updated_at = now() WHERE user_id = $1"

_DELETE_USER = "DELETE FROM users WHERE user_id = $1 RETURNING user_id"


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: uuid.UUID
    email: str  # as registered, where its messages go
    password_hash: str
    is_active: bool
    email_verified: bool
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
    return Credentials(**dict(row))


async def set_password_hash(*, db: Queryable, user_id: uuid.UUID, password_hash: str) -> None:
    await db.execute(_SET_PASSWORD_HASH, user_id, password_hash)


async def register(
    *,
    db: Database,
    settings: Settings,
    hashing: PasswordHashing,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    email: str,
    password: str,
) -> User:
    """Create an account; ConflictError when its canonical email is taken.

    Its verification message goes out in the background, after the answer.
    """
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
    email_verification.queue_verification(db=db, settings=settings, jobs=jobs, user_id=user.user_id)
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
    settings: Settings,
    hashing: PasswordHashing,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    session: sessions.SessionUser,
    current_password: str,
    new_password: str,
) -> None:
    """Set a new password: every other session and every recovery token of the user go.

    The hash, the revocations, the spent recovery tokens and the
    `password.changed` event change in one transaction; the address gets a notice.
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
        await account_events.record(
            connection,
            user_id=session.user_id,
            event_type=account_events.PASSWORD_CHANGED,
            client=client,
            session_id=session.session_id,
        )
    security_events.password_changed(user_id=session.user_id)
    mail.queue_email(
        jobs=jobs,
        settings=settings,
        template="password_changed",
        recipient=session.email,
        client_ip=client.ip_address,
        client_user_agent=client.user_agent,
    )


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
