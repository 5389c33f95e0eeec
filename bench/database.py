"""The bench databases: dropped and recreated each run, migrated, seeded with users and sessions.

Every statement of the bench that knows the schema is in this module, so that
a change of the session tables is one change here. Sessions whose tokens the
load uses are made with the service's own functions (the same SQL and signing
code a login runs), without the Argon2 work of a real login. The bulk of a
large database (a million users) is made in SQL on the server instead, in
batches, which takes a minute or two rather than hours.
"""

import uuid
from dataclasses import dataclass

import asyncpg
from sqlalchemy import URL

from app.core import sessions
from app.core.client_address import Client
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

# Sessions the bench opens or seeds live this long, and so do their refresh tokens.
SESSION_LIFETIME_SECS = 24 * 3600


# One batch: users with consecutive numbers and `sessions_per_user` sessions
# each, at generation 0 (whose refresh token `refresh_token_of` makes).
_SEED_BULK = """
WITH new_users AS (
    INSERT INTO users (user_id, email, email_canonical, password_hash)
    SELECT gen_random_uuid(), address, address, $1
    FROM generate_series($2::int, $3::int) AS i,
        LATERAL (SELECT 'bench-bulk-' || i || '@example.com') AS a(address)
    RETURNING user_id
)
INSERT INTO user_sessions (session_id, user_id, expires_at, refresh_expires_at)
SELECT gen_random_uuid(), user_id, now() + make_interval(secs => $5),
       now() + make_interval(secs => $5)
FROM new_users, generate_series(1, $4::int)
"""
BULK_BATCH_USERS = 50_000

_SOME_SESSIONS = "SELECT session_id, user_id FROM user_sessions ORDER BY random() LIMIT $1"

_TABLES = """
SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
ORDER BY c.relname
"""


@dataclass(frozen=True, slots=True)
class TableSize:
    name: str
    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class SeededUser:
    user_id: uuid.UUID
    email: str


def bench_pool(url: URL) -> asyncpg.Pool:
    """A small pool for arranging and inspecting (`async with bench_pool(url) as pool`)."""
    return asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=2)


async def drop_database(server_url: URL, name: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def recreate_database(server_url: URL, name: str = DATABASE_NAME) -> URL:
    """A fresh, migrated database `name` on the server of `server_url`; its URL."""
    await drop_database(server_url, name)
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = server_url.set(database=name)
    await upgrade_database(url)
    return url


async def seed_users(*, pool: asyncpg.Pool, count: int, password_hash: str) -> list[SeededUser]:
    rows = await pool.fetch(_SEED_USERS, password_hash, count)
    return [SeededUser(user_id=row["user_id"], email=row["email"]) for row in rows]


def refresh_tokens_of(secret: str) -> RefreshTokens:
    """The refresh tokens a service whose SECURITY__JWT_SECRET_KEY is `secret` accepts."""
    return RefreshTokens(key=derive_key(secret, REFRESH_TOKEN_KEY_PURPOSE))


async def _open_session(pool: asyncpg.Pool, user: SeededUser) -> uuid.UUID:
    session_id = uuid.uuid4()
    await sessions.open_session(
        db=pool,
        session_id=session_id,
        user_id=user.user_id,
        lifetime_secs=SESSION_LIFETIME_SECS,
        refresh_lifetime_secs=SESSION_LIFETIME_SECS,
        amr=["pwd"],
        client=Client(address="127.0.0.1", user_agent="bench"),
        require_verified_email=False,
    )
    return session_id


async def open_refresh_sessions(
    *, pool: asyncpg.Pool, users: list[SeededUser], count: int, secret: str
) -> list[str]:
    """`count` new sessions, round-robin over `users`; their refresh tokens."""
    refresh_tokens = refresh_tokens_of(secret)
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


async def seed_bulk(*, url: URL, users: int, sessions_per_user: int, password_hash: str) -> None:
    """`users` users with `sessions_per_user` sessions each, in SQL, then vacuumed and analysed.

    Foreign keys are not checked (`session_replication_role = replica`, which
    takes a superuser, as creating the bench databases does): the seed makes
    them hold by construction, and checking them row by row would take most
    of its time.
    """
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET session_replication_role = replica")
        for first in range(1, users + 1, BULK_BATCH_USERS):
            last = min(users, first + BULK_BATCH_USERS - 1)
            await connection.execute(
                _SEED_BULK,
                password_hash,
                first,
                last,
                sessions_per_user,
                float(SESSION_LIFETIME_SECS),
            )
        # As a database that has lived for a while: statistics and a
        # visibility map, so that the measurement is not of the autovacuum.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


@dataclass(frozen=True, slots=True)
class SeededSession:
    session_id: uuid.UUID
    user_id: uuid.UUID

    def refresh_token(self, refresh_tokens: RefreshTokens) -> str:
        """The live refresh token of a session `seed_bulk` made (generation 0)."""
        return refresh_tokens.issue(session_id=self.session_id, generation=0)


async def some_sessions(*, pool: asyncpg.Pool, count: int) -> list[SeededSession]:
    """`count` sessions of the bulk seed, drawn at random."""
    rows = await pool.fetch(_SOME_SESSIONS, count)
    return [SeededSession(session_id=row["session_id"], user_id=row["user_id"]) for row in rows]


async def table_sizes(*, pool: asyncpg.Pool) -> list[TableSize]:
    """Rows (counted, not estimated) and bytes (with indexes and TOAST) of every table."""
    sizes = []
    for row in await pool.fetch(_TABLES):
        rows = await pool.fetchval(f'SELECT count(*) FROM "{row["name"]}"')
        sizes.append(TableSize(name=row["name"], rows=rows, bytes=row["bytes"]))
    return sizes


async def wal_position(*, pool: asyncpg.Pool) -> str:
    """Where the server's write-ahead log is now; see `wal_bytes_since`."""
    position: str = await pool.fetchval("SELECT pg_current_wal_lsn()::text")
    return position


async def wal_bytes_since(*, pool: asyncpg.Pool, position: str) -> int:
    """WAL written since `position`, by every database of the server."""
    written: int = await pool.fetchval(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::bigint", position
    )
    return written
