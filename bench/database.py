"""The bench database: dropped and recreated each run, migrated, seeded with users and sessions.

Sessions and tokens are made with the service's own functions (the same SQL
and signing code a login runs), without the Argon2 work of a real login, so
that seeding hundreds of them takes a moment.
"""

import uuid
from dataclasses import dataclass

import asyncpg
from sqlalchemy import URL

from app.core import sessions
from app.core.database import asyncpg_dsn
from app.core.migrations import upgrade_database
from app.core.security.jwt import AccessTokens
from app.core.security.keys import derive_key
from app.core.security.refresh_tokens import RefreshTokens
from app.core.services import REFRESH_TOKEN_KEY_PURPOSE
from bench.config import DATABASE_NAME

_SEED_USERS = """
INSERT INTO users (user_id, email, email_canonical, password_hash)
SELECT gen_random_uuid(), address, address, $1
FROM generate_series(1, $2) AS i,
    LATERAL (SELECT 'bench-user-' || i || '@example.com') AS a(address)
RETURNING user_id, email
"""


SESSION_LIFETIME_SECS = 24 * 3600


@dataclass(frozen=True, slots=True)
class SeededUser:
    user_id: uuid.UUID
    email: str


async def recreate_database(server_url: URL) -> URL:
    """A fresh, migrated `bench` database on the server of `server_url`; its URL."""
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        await admin.close()
    url = server_url.set(database=DATABASE_NAME)
    await upgrade_database(url)
    return url


async def seed_users(*, pool: asyncpg.Pool, count: int, password_hash: str) -> list[SeededUser]:
    rows = await pool.fetch(_SEED_USERS, password_hash, count)
    return [SeededUser(user_id=row["user_id"], email=row["email"]) for row in rows]


async def _open_session(pool: asyncpg.Pool, user: SeededUser) -> uuid.UUID:
    session_id = uuid.uuid4()
    await sessions.open_session(
        db=pool,
        session_id=session_id,
        user_id=user.user_id,
        lifetime_secs=SESSION_LIFETIME_SECS,
        refresh_lifetime_secs=SESSION_LIFETIME_SECS,
    )
    return session_id


async def open_refresh_sessions(
    *, pool: asyncpg.Pool, users: list[SeededUser], count: int, secret: str
) -> list[str]:
    """`count` new sessions, round-robin over `users`; their refresh tokens."""
    refresh_tokens = RefreshTokens(key=derive_key(secret, REFRESH_TOKEN_KEY_PURPOSE))
    tokens: list[str] = []
    for index in range(count):
        session_id = await _open_session(pool, users[index % len(users)])
        tokens.append(refresh_tokens.issue(session_id=session_id, generation=0))
    return tokens


async def open_access_sessions(
    *, pool: asyncpg.Pool, users: list[SeededUser], count: int, access_tokens: AccessTokens
) -> list[str]:
    """`count` new sessions, round-robin over `users`; an access token for each."""
    tokens: list[str] = []
    for index in range(count):
        user = users[index % len(users)]
        session_id = await _open_session(pool, user)
        token, _ = access_tokens.issue(user_id=user.user_id, session_id=session_id, amr=["pwd"])
        tokens.append(token)
    return tokens
