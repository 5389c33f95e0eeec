"""Database access: the SQLAlchemy engine, the asyncpg pool of the hot paths, sessions.

Most endpoints use an ORM `AsyncSession` per request. The few paths that every
client calls many times a second (checking an access token, rotating a refresh
token, opening a session at login) run hand-written SQL on a plain asyncpg
pool instead: the ORM's per-query overhead costs several times the query
itself there. Both share one database and one URL.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import Request

from app.core.config import Database as DatabaseSettings
from app.core.config import Settings
from app.core.embedded_postgres import start_embedded_postgres
from app.core.fair_pool import FairPool


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    pool: asyncpg.Pool
    sessionmaker: async_sessionmaker[AsyncSession]


async def resolve_database_url(settings: Settings) -> URL:
    """The configured URL, or that of the embedded server, started if needed."""
    if settings.database.url is not None:
        return make_url(settings.database.url.get_secret_value())
    return await asyncio.to_thread(start_embedded_postgres, settings.data_dir)


def asyncpg_dsn(url: URL) -> str:
    """The libpq-style DSN asyncpg takes, from a `postgresql+asyncpg://` URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# How much longer than the server's statement timeout the client waits for
# an answer: past it the server is unreachable rather than slow (a network
# partition, a host that died without closing its sockets). asyncpg then
# waits as long again for its cancel request, so such a request fails after
# about 2 x (statement timeout + margin): 12 s with the defaults.
CLIENT_TIMEOUT_MARGIN_SECS = 1.0


def server_settings(settings: DatabaseSettings) -> dict[str, str]:
    """Session settings of every connection, of both pools."""
    return {"statement_timeout": str(settings.statement_timeout_ms)}


def command_timeout(settings: DatabaseSettings) -> float | None:
    if settings.statement_timeout_ms == 0:
        return None
    return settings.statement_timeout_ms / 1000 + CLIENT_TIMEOUT_MARGIN_SECS


def create_engine(url: URL, settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        # SQLAlchemy keeps its own cache of prepared statements on top of asyncpg's.
        url.update_query_dict(
            {"prepared_statement_cache_size": str(settings.statement_cache_size)}
        ),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_timeout=settings.connect_timeout_secs,
        # A connection broken while the database was away is noticed and
        # replaced here, so the service recovers without a restart.
        pool_pre_ping=True,
        connect_args={
            "timeout": settings.connect_timeout_secs,
            "statement_cache_size": settings.statement_cache_size,
            "server_settings": server_settings(settings),
            "command_timeout": command_timeout(settings),
        },
    )


async def keep_session_state(connection: asyncpg.Connection) -> None:
    """The pool's reset hook: nothing beyond what asyncpg always does.

    By default asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` each time a connection goes back to the pool: a
    second round trip to the database for every one-query request.
    The pool's queries are single statements that leave no session state
    behind (no SET, LISTEN, cursor or advisory lock), and asyncpg still rolls
    back an open transaction and drops listeners before calling this hook.
    Code that changes session state on this pool must undo it itself.
    """


async def open_database(url: URL, settings: DatabaseSettings) -> Database:
    engine = create_engine(url, settings)
    # min_size=0: the service starts (and answers 503) while the database is
    # down, and connects when it comes back.
    # FairPool(...) is what asyncpg.create_pool() builds, fair (see
    # fair_pool.py); the two values below are create_pool()'s defaults.
    pool = await FairPool(
        asyncpg_dsn(url),
        min_size=0,
        max_size=settings.pool_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=settings.connect_timeout_secs,
        statement_cache_size=settings.statement_cache_size,
        server_settings=server_settings(settings),
        command_timeout=command_timeout(settings),
        reset=keep_session_state,
    )
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, pool=pool, sessionmaker=sessionmaker)


async def close_database(database: Database) -> None:
    await database.pool.close()
    await database.engine.dispose()


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).sessionmaker() as session:
        yield session
