"""User accounts: creation, credentials lookup, password and deletion."""

import uuid
from dataclasses import dataclass

import asyncpg
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RefreshToken, User, UserSession

MAX_EMAIL_LENGTH = 254

_CREDENTIALS_BY_EMAIL = """
SELECT user_id, password_hash, is_active FROM users WHERE lower(email) = lower($1)
"""
_SET_PASSWORD_HASH = "UPDATE users SET password_hash = $2, updated_at = now() WHERE user_id = $1"


class EmailAlreadyRegisteredError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: uuid.UUID
    password_hash: str
    is_active: bool


def is_storable_text(value: str, max_length: int) -> bool:
    """Whether PostgreSQL can take `value` as text at all (no NUL, valid UTF-8)."""
    if len(value) > max_length or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def find_credentials(*, pool: asyncpg.Pool, email: str) -> Credentials | None:
    # A login form may carry anything; what the database could not hold is
    # simply no account, so the caller still spends the same hashing work.
    if not is_storable_text(email, MAX_EMAIL_LENGTH):
        return None
    row = await pool.fetchrow(_CREDENTIALS_BY_EMAIL, email)
    if row is None:
        return None
    return Credentials(
        user_id=row["user_id"], password_hash=row["password_hash"], is_active=row["is_active"]
    )


async def store_password_hash(
    *, pool: asyncpg.Pool, user_id: uuid.UUID, password_hash: str
) -> None:
    await pool.execute(_SET_PASSWORD_HASH, user_id, password_hash)


async def create_user(
    *, session: AsyncSession, email: str, password_hash: str, is_superuser: bool = False
) -> User:
    user = User(email=email, password_hash=password_hash, is_superuser=is_superuser)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise EmailAlreadyRegisteredError from error
    await session.refresh(user)
    return user


async def change_password_hash(
    *, session: AsyncSession, user_id: uuid.UUID, password_hash: str
) -> None:
    await session.execute(
        update(User).where(User.user_id == user_id).values(password_hash=password_hash)
    )
    await session.commit()


async def delete_user(*, session: AsyncSession, user_id: uuid.UUID) -> None:
    """Sessions and refresh tokens go with the user (ON DELETE CASCADE).

    The refresh tokens are deleted first, so that rows are locked in the order
    a refresh locks them (its token, then the session its successor names).
    Deleting the user alone would lock the session first, then wait for the
    token a concurrent refresh holds while that refresh waits for the
    session: a deadlock that PostgreSQL breaks by failing this deletion.
    """
    user_sessions = select(UserSession.session_id).where(UserSession.user_id == user_id)
    await session.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(user_sessions)))
    await session.execute(delete(User).where(User.user_id == user_id))
    await session.commit()
