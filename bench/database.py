"""The bench database: dropped and recreated each run, migrated, seeded with users and sessions.

Sessions and tokens are made with the service's own functions (the same SQL
and signing code a login runs), without the Argon2 work of a real login, so
that seeding hundreds of them takes a moment.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import URL

from app.core import sessions
from app.core.database import asyncpg_dsn
from app.core.migrations import upgrade_database
from app.core.security.jwt import AccessTokens
from app.core.security.secret_tokens import new_secret_token
from bench.config import DATABASE_NAME

_SEED_USERS = """
INSERT INTO users (user_id, email, password_hash)
SELECT gen_random_uuid(), 'bench-user-' || i || '@example.com', $1
FROM generate_series(1, $2) AS i
RETURNING user_id, email
"""


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


async def open_refresh_sessions(
    *, pool: asyncpg.Pool, users: list[SeededUser], count: int
) -> list[str]:
    """`count` new sessions, round-robin over `users`; their refresh tokens."""
    expires_at = datetime.now(UTC) + timedelta(days=1)
    tokens: list[str] = []
    for index in range(count):
        token, token_hash = new_secret_token()
        await sessions.open_session(
            db=pool,
            user_id=users[index % len(users)].user_id,
            refresh_token_hash=token_hash,
            refresh_expires_at=expires_at,
        )
        tokens.append(token)
    return tokens


async def open_access_sessions(
    *, pool: asyncpg.Pool, users: list[SeededUser], count: int, access_tokens: AccessTokens
) -> list[str]:
    """`count` new sessions, round-robin over `users`; an access token for each."""
    expires_at = datetime.now(UTC) + timedelta(days=1)
    tokens: list[str] = []
    for index in range(count):
        user = users[index % len(users)]
        session_id = await sessions.open_session(
            db=pool,
            user_id=user.user_id,
            refresh_token_hash=new_secret_token()[1],
            refresh_expires_at=expires_at,
        )
        token, _ = access_tokens.issue(user_id=user.user_id, session_id=session_id, amr=["pwd"])
        tokens.append(token)
    return tokens
