"""The database: one SQLAlchemy connection pool per process, for the ORM and hand-written SQL.

Most operations use an ORM `AsyncSession` (`Database.session()`). The paths
that every client calls many times a second (checking an access token,
rotating a refresh token, counting a login attempt) run hand-written SQL on
the asyncpg connection under a pooled SQLAlchemy connection
(`Database.fetchrow()`, `Database.transaction()`...): the ORM's per-query
work would cost several times the query there. Both draw from the same pool,
so connection settings, timeouts and pool metrics live here alone.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import asyncpg
from sqlalchemy import URL, event, exc, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from app.core.config import Database as DatabaseSettings
from app.core.config import Settings
from app.core.embedded_postgres import start_embedded_postgres

# How much longer than the server's statement timeout the client waits for
# an answer: past it the server is unreachable rather than slow (a network
# partition, a host that died without closing its sockets).
CLIENT_TIMEOUT_MARGIN_SECS = 1.0

# What a lost, refused or overloaded database raises, through asyncpg directly
# or through SQLAlchemy; the API answers 503 for each. OSError covers refused
# and reset sockets.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    exc.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.QueryCanceledError,
    exc.OperationalError,
    exc.InterfaceError,
)
# SQLSTATE of a statement cancelled by `statement_timeout`; SQLAlchemy wraps
# asyncpg's QueryCanceledError in a plain DBAPIError that only this tells apart.
QUERY_CANCELED = "57014"


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database is unreachable or too slow (503), not a bug."""
    if isinstance(error, UNAVAILABLE_ERRORS):
        return True
    orig = getattr(error, "orig", None)
    return isinstance(error, exc.DBAPIError) and getattr(orig, "sqlstate", None) == QUERY_CANCELED


async def resolve_database_url(settings: Settings) -> URL:
    """The configured URL, or that of the embedded server, started if needed."""
    if settings.database.url is not None:
        return make_url(settings.database.url.get_secret_value())
    return await asyncio.to_thread(start_embedded_postgres, settings.data_dir)


def asyncpg_dsn(url: URL) -> str:
    """The libpq-style DSN asyncpg takes, from a `postgresql+asyncpg://` URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _command_timeout(settings: DatabaseSettings) -> float | None:
    if settings.statement_timeout_ms == 0:
        return None
    return settings.statement_timeout_ms / 1000 + CLIENT_TIMEOUT_MARGIN_SECS


def create_engine(url: URL, settings: DatabaseSettings) -> AsyncEngine:
    engine = create_async_engine(
        # SQLAlchemy keeps its own cache of prepared statements on top of asyncpg's.
        url.update_query_dict(
            {"prepared_statement_cache_size": str(settings.statement_cache_size)}
        ),
        pool_size=settings.pool_size,
        max_overflow=0,
        pool_timeout=settings.connect_timeout_secs,
        # Query parameters (emails, hashes) never reach logs or error messages.
        hide_parameters=True,
        connect_args={
            "timeout": settings.connect_timeout_secs,
            "statement_cache_size": settings.statement_cache_size,
            "server_settings": {"statement_timeout": str(settings.statement_timeout_ms)},
            "command_timeout": _command_timeout(settings),
        },
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(
    dbapi_connection: DBAPIConnection,
    _record: ConnectionPoolEntry,
    _proxy: PoolProxiedConnection,
) -> None:
    """Replace a pooled connection whose socket has closed (the server restarted).

    asyncpg notices a closed socket by itself, so this costs no round trip,
    unlike SQLAlchemy's `pool_pre_ping`; a connection that dies silently is
    caught by the error handling of `Database.connection()` instead.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError


class Queryable(Protocol):
    """Runs one statement: the `Database` (on a connection of its own, autocommit),
    or a connection inside the caller's transaction."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class Database:
    """The engine, its sessions, and its connections for hand-written SQL.

    Requests waiting for a connection get one in the order they asked: a
    semaphore of the pool's size admits them (asyncio's `Semaphore` never lets
    a newcomer pass a waiter), because the pool's own queue lets a newcomer
    take a connection that was just given back while earlier requests wait.
    """

    def __init__(self, engine: AsyncEngine, pool_size: int) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        self._admission = asyncio.Semaphore(pool_size)

    @classmethod
    def open(cls, url: URL, settings: DatabaseSettings) -> "Database":
        # No connection is made here: the service starts (and answers 503)
        # while the database is down, and connects when it comes back.
        return cls(create_engine(url, settings), settings.pool_size)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled asyncpg connection for hand-written SQL, first come, first served.

        Whoever uses it leaves no session state behind (no SET, LISTEN,
        cursor or advisory lock): the pool hands it to the next request as is.
        """
        async with self._admission:
            raw = await self._checkout()
            try:
                yield raw.driver_connection  # type: ignore[misc]
            except asyncpg.PostgresError:
                raise  # the server refused a statement; the connection is fine
            except BaseException as error:
                # Cancelled mid-query, or the socket failed: never reuse it.
                raw.invalidate(error if isinstance(error, Exception) else None)
                raise
            finally:
                # SQLAlchemy began no transaction on it: giving it back takes
                # no round trip and nothing to await.
                raw.close()

    async def _checkout(self) -> PoolProxiedConnection:
        """A connection of the pool, without the `Connection` object the ORM needs.

        A server that refuses the connection (too many connections, a wrong
        password) comes out as the dialect's translation of asyncpg's error:
        the original is raised, which `UNAVAILABLE_ERRORS` and the tests know.
        """
        try:
            return await self.engine.raw_connection()
        except Exception as error:
            if isinstance(error.__cause__, asyncpg.PostgresError):
                raise error.__cause__ from error
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.connection() as connection, connection.transaction():
            yield connection

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self.connection() as connection:
            return await connection.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection() as connection:
            return await connection.fetch(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.connection() as connection:
            return await connection.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.connection() as connection:
            return await connection.execute(query, *args)

    def pool_usage(self) -> tuple[int, int]:
        """(open connections, connections in use), from counters the pool keeps."""
        pool = self.engine.sync_engine.pool
        checked_out: int = pool.checkedout()  # type: ignore[attr-defined]
        checked_in: int = pool.checkedin()  # type: ignore[attr-defined]
        return checked_in + checked_out, checked_out


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under an ORM session, for SQL in the session's transaction.

    Lets an ORM operation call the hand-written SQL of another module (revoke
    sessions) in the same transaction, so each operation is written once.
    The asyncpg dialect sends BEGIN with the session's first statement: SQL
    sent here before any ORM statement runs outside the transaction.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    return driver
