"""Test setup: a real PostgreSQL database per xdist worker, built by the migrations.

Each worker creates its own database on the server (the embedded one, or the
one `DATABASE__URL` names), migrates it with Alembic, and drops it at the end.
Tests are isolated by emptying every table after each test rather than by
rolling back an outer transaction: the concurrency tests need real commits
seen by other connections, which a shared rolled-back transaction would hide.

Tests talk to the service as clients do, through `Api` (api_client.py):
`api` is an anonymous client of the shared app, `user` a registered and
logged-in one, `admin` a superuser (`new_admin()` makes more); `make_api(**settings)` and
`make_app(**settings)` start an app with other settings. `db` is a direct
connection for what the API cannot arrange.
"""

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import URL, make_url

from app.core.config import Settings
from app.core.database import asyncpg_dsn, resolve_database_url
from app.core.migrations import upgrade_database
from app.models import Base
from app.tests.api_client import DEFAULT_PEER, Api, ApiFactory, AppFactory, NewAdmin
from app.tests.apps import running_app
from app.tests.factories import promote_to_superuser

TEST_JWT_SECRET = "test-secret-" + "x" * 40
# Argon2id at its cheapest: the tests exercise the logic, not the cost.
CHEAP_HASHING: dict[str, Any] = {
    "password_hash_memory_kib": 64,
    "password_hash_time_cost": 1,
    "password_hash_parallelism": 1,
}


async def create_database(server_url: URL, name: str) -> URL:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server_url.set(database=name)


async def drop_database(server_url: URL, name: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def server_url() -> URL:
    """The server under test: `DATABASE__URL` from the environment, or the embedded one."""
    return await resolve_database_url(Settings())


@pytest.fixture(scope="session")
async def empty_database(server_url: URL) -> AsyncIterator[Callable[[], Any]]:
    """A factory of new, empty databases, dropped at the end of the session."""
    names: list[str] = []

    async def make() -> URL:
        name = f"test_{uuid.uuid4().hex[:12]}"
        names.append(name)
        return await create_database(server_url, name)

    yield make
    # Together: each DROP DATABASE waits for a checkpoint, and concurrent
    # requests share one instead of queueing for one each.
    await asyncio.gather(*(drop_database(server_url, name) for name in names))


@pytest.fixture(scope="session")
async def direct_database_url(empty_database: Callable[[], Any]) -> URL:
    url: URL = await empty_database()
    await upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def database_url(direct_database_url: URL) -> URL:
    """The test database as the service reaches it: through the PgBouncer of `PGBOUNCER_URL`.

    `make test-pgbouncer` sets it; the fixtures that create, migrate and
    arrange databases still connect to the server directly.
    """
    pgbouncer = os.environ.get("PGBOUNCER_URL")
    if pgbouncer is None:
        return direct_database_url
    pooler = make_url(pgbouncer)
    return direct_database_url.set(host=pooler.host, port=pooler.port)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_dsn(direct_database_url: URL) -> str:
    """The test database for `asyncpg.connect()`, reached directly (not through PgBouncer)."""
    return asyncpg_dsn(direct_database_url)


@pytest.fixture(scope="session")
def make_settings(database_url: URL, data_dir: Path) -> Callable[..., Settings]:
    """Test settings with some fields changed: `make_settings(security={"...": 0})`.

    A dict given for a group (database, security, smtp, throttle, ...) changes
    the fields it names and keeps the others; `database={"url": ...}` takes a
    SQLAlchemy URL.
    """

    # As configured: `make test-pgbouncer` sets DATABASE__STATEMENT_CACHE_SIZE=0.
    statement_cache_size = Settings().database.statement_cache_size

    def make(**overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "environment": "test",
            "data_dir": data_dir,
            "database": {
                "url": database_url,
                "pool_size": 5,
                "statement_cache_size": statement_cache_size,
            },
            "security": {"jwt_secret_key": TEST_JWT_SECRET, **CHEAP_HASHING},
            # Only the tests of housekeeping purge: a periodic purge at a random
            # moment would delete rows another test arranged.
            "housekeeping": {"enabled": False},
        }
        for name, value in overrides.items():
            default = fields.get(name)
            group = isinstance(default, dict) and isinstance(value, dict)
            fields[name] = {**fields[name], **value} if group else value
        url = fields["database"].get("url")
        if isinstance(url, URL):
            fields["database"]["url"] = url.render_as_string(hide_password=False)
        return Settings(**fields)

    return make


@pytest.fixture(scope="session")
def make_app(make_settings: Callable[..., Settings]) -> AppFactory:
    """`async with make_app(**overrides) as app`: an app on `make_settings(**overrides)`,
    or on the settings given (`make_app(settings)`), its lifespan running."""

    @asynccontextmanager
    async def make(settings: Settings | None = None, /, **overrides: Any) -> AsyncIterator[FastAPI]:
        assert settings is None or not overrides, "settings, or overrides of the test settings"
        async with running_app(settings or make_settings(**overrides)) as application:
            yield application

    return make


@pytest.fixture(scope="session")
async def app(make_app: AppFactory) -> AsyncIterator[FastAPI]:
    """The app on the default test settings, shared by the whole session."""
    async with make_app() as application:
        yield application


@pytest.fixture(scope="session")
async def db(database_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection, for arranging what the API cannot (expired tokens, inactive users)."""
    connection = await asyncpg.connect(database_dsn)
    yield connection
    await connection.close()


TRUNCATE_ATTEMPTS = 3


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "db" in request.fixturenames:
        connection: asyncpg.Connection = request.getfixturevalue("db")
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        # A background job of the test (a registration's verification message)
        # may still be writing: PostgreSQL then picks one side of the deadlock,
        # and if it is the TRUNCATE, it goes again once the job's side is gone.
        for attempt in range(TRUNCATE_ATTEMPTS):
            try:
                await connection.execute(f"TRUNCATE {tables}")
                break
            except asyncpg.DeadlockDetectedError:
                if attempt == TRUNCATE_ATTEMPTS - 1:
                    raise


@pytest.fixture
def make_api(make_app: AppFactory, db: asyncpg.Connection) -> ApiFactory:
    """`async with make_api(**overrides) as api`: an anonymous client of a new app, as
    `make_app(...)` starts it; `peer=` sets the client's TCP peer."""

    @asynccontextmanager
    async def make(
        settings: Settings | None = None,
        /,
        *,
        peer: tuple[str, int] | None = DEFAULT_PEER,
        **overrides: Any,
    ) -> AsyncIterator[Api]:
        async with (
            make_app(settings, **overrides) as application,
            Api.connect(application, peer=peer) as api,
        ):
            yield api

    return make


@pytest.fixture
async def api(app: FastAPI, db: asyncpg.Connection) -> AsyncIterator[Api]:
    """An anonymous client of the shared app."""
    async with Api.connect(app) as client:
        yield client


@pytest.fixture
async def user(api: Api) -> Api:
    """A client of a newly registered account, logged in."""
    return await api.new_user()


@pytest.fixture
def new_admin(api: Api, db: asyncpg.Connection) -> NewAdmin:
    """`await new_admin()`: a client of another new superuser, logged in."""

    async def make() -> Api:
        superuser = await api.new_user()
        await promote_to_superuser(db, superuser.id)
        return superuser

    return make


@pytest.fixture
async def admin(new_admin: NewAdmin) -> Api:
    """A client of a superuser, logged in."""
    return await new_admin()


@pytest.fixture
def app_logs(app: FastAPI, caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog for the "app" logger, which does not propagate to the root logger.

    After `app` has started: the first app of a process configures that logger
    only if it has no handler yet, and would leave it propagating to caplog's
    root handler as well (each record captured twice).
    """
    logger = logging.getLogger("app")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="app")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
