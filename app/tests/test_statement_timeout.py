"""A statement stuck behind a lock is cancelled by the statement timeout: 503, not a hang."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.core import messages
from app.core.config import Settings
from app.core.database import asyncpg_dsn
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import bearer, register_and_login, superuser_and_tokens, url

pytestmark = pytest.mark.usefixtures("db")

STATEMENT_TIMEOUT_MS = 300
# Without the statement timeout the request would wait for the lock for ever.
HANG_SECS = 10


@asynccontextmanager
async def client_with_timeout(
    settings: Settings, statement_timeout_ms: int
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    database = settings.database.model_copy(update={"statement_timeout_ms": statement_timeout_ms})
    async with (
        running_app(settings.model_copy(update={"database": database})) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=with_lifespan_state(app)), base_url="http://localhost"
        ) as client,
    ):
        yield client, app


@pytest.fixture
async def impatient_client(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async with client_with_timeout(make_settings(), STATEMENT_TIMEOUT_MS) as client_and_app:
        yield client_and_app


@asynccontextmanager
async def row_locked(database_url: URL, query: str, *args: Any) -> AsyncIterator[None]:
    """Hold `SELECT ... FOR UPDATE` in an open transaction of another connection."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with connection.transaction():
            assert await connection.fetch(query, *args)
            yield
    finally:
        await connection.close()


async def test_pool_statement_blocked_by_a_lock_answers_503_after_the_timeout(
    impatient_client: tuple[httpx.AsyncClient, FastAPI], database_url: URL
) -> None:
    client, app = impatient_client
    account, tokens = await register_and_login(client, app)
    query = "SELECT 1 FROM user_sessions WHERE user_id = $1 FOR UPDATE"
    async with row_locked(database_url, query, account.user["user_id"]):
        started = time.monotonic()
        async with asyncio.timeout(HANG_SECS):
            response = await client.post(
                url(app, "logout"), json={"refresh_token": tokens["refresh_token"]}
            )
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    assert STATEMENT_TIMEOUT_MS / 1000 <= elapsed < 3


async def test_orm_statement_blocked_by_a_lock_answers_503_after_the_timeout(
    impatient_client: tuple[httpx.AsyncClient, FastAPI],
    database_url: URL,
    db: asyncpg.Connection,
) -> None:
    client, app = impatient_client
    _, admin_tokens = await superuser_and_tokens(client, app, db)
    account, _ = await register_and_login(client, app)
    query = "SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE"
    async with row_locked(database_url, query, account.user["user_id"]):
        started = time.monotonic()
        async with asyncio.timeout(HANG_SECS):
            response = await client.patch(
                url(app, "update_user", user_id=account.user["user_id"]),
                json={"is_active": False},
                headers=bearer(admin_tokens),
            )
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert STATEMENT_TIMEOUT_MS / 1000 <= elapsed < 3


async def test_statement_timeout_zero_lets_a_slow_statement_finish(
    make_settings: Callable[..., Settings], database_url: URL
) -> None:
    async with client_with_timeout(make_settings(), 0) as (client, app):
        account, tokens = await register_and_login(client, app)
        query = "SELECT 1 FROM user_sessions WHERE user_id = $1 FOR UPDATE"
        async with row_locked(database_url, query, account.user["user_id"]):
            logout = asyncio.create_task(
                client.post(url(app, "logout"), json={"refresh_token": tokens["refresh_token"]})
            )
            await asyncio.sleep(3 * STATEMENT_TIMEOUT_MS / 1000)
            assert not logout.done()
        async with asyncio.timeout(HANG_SECS):
            response = await logout

    assert response.status_code == 204
