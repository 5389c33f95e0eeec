"""Test setup: a real PostgreSQL database per xdist worker, built by the migrations.

Each worker creates its own database on the server (the embedded one, or the
one `DATABASE__URL` names), migrates it with Alembic, and drops it at the end.
Tests are isolated by emptying every table after each test rather than by
rolling back an outer transaction: the concurrency tests need real commits
seen by other connections, which a shared rolled-back transaction would hide.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL, make_url

from app.core.config import Database, Housekeeping, Security, Settings
from app.core.database import asyncpg_dsn, resolve_database_url
from app.core.migrations import upgrade_database
from app.models import Base
from app.tests.apps import client_of, running_app

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
def make_settings(database_url: URL, data_dir: Path) -> Callable[..., Settings]:
    """Test settings; security settings may be overridden (`refresh_reuse_grace_secs=0`)."""
    # As configured: `make test-pgbouncer` sets DATABASE__STATEMENT_CACHE_SIZE=0.
    statement_cache_size = Settings().database.statement_cache_size

    def make(database: URL | None = None, **security: Any) -> Settings:
        url = (database or database_url).render_as_string(hide_password=False)
        return Settings(
            environment="test",
            data_dir=data_dir,
            database=Database(
                url=url,
                pool_size=5,
                statement_cache_size=statement_cache_size,
            ),
            security=Security(jwt_secret_key=TEST_JWT_SECRET, **{**CHEAP_HASHING, **security}),
            # Only the tests of housekeeping purge: a periodic purge at a random
            # moment would delete rows another test arranged.
            housekeeping=Housekeeping(enabled=False),
        )

    return make


@pytest.fixture(scope="session")
async def app(make_settings: Callable[..., Settings]) -> AsyncIterator[FastAPI]:
    async with running_app(make_settings()) as application:
        yield application


@pytest.fixture(scope="session")
async def db(direct_database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection, for arranging what the API cannot (expired tokens, inactive users)."""
    connection = await asyncpg.connect(asyncpg_dsn(direct_database_url))
    yield connection
    await connection.close()


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "db" in request.fixturenames:
        connection: asyncpg.Connection = request.getfixturevalue("db")
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        await connection.execute(f"TRUNCATE {tables}")


@pytest.fixture
async def client(app: FastAPI, db: asyncpg.Connection) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as client:
        yield client
