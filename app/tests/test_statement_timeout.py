"""A statement stuck behind a lock is cancelled by the statement timeout: 503, not a hang."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import httpx
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import promote_to_superuser
from app.tests.locks import row_locked

STATEMENT_TIMEOUT_MS = 300
# Without the statement timeout the request would wait for the lock for ever.
HANG_SECS = 10


@pytest.fixture
async def impatient(make_api: ApiFactory) -> AsyncIterator[Api]:
    """A client of an app whose statements time out after STATEMENT_TIMEOUT_MS."""
    async with make_api(database={"statement_timeout_ms": STATEMENT_TIMEOUT_MS}) as api:
        yield api


async def logout(user: Api, admin: Api) -> httpx.Response:
    return await user.logout()


async def deactivation(user: Api, admin: Api) -> httpx.Response:
    return await admin.patch_user(user.id, is_active=False)


@pytest.mark.parametrize(
    ("table", "call"),
    [("user_sessions", logout), ("users", deactivation)],
    ids=["pool-statement", "orm-statement"],
)
async def test_statement_blocked_by_a_lock_answers_503_after_the_timeout(
    impatient: Api,
    db: asyncpg.Connection,
    database_dsn: str,
    table: str,
    call: Callable[[Api, Api], Awaitable[httpx.Response]],
) -> None:
    admin = await impatient.new_user()
    await promote_to_superuser(db, admin.id)
    user = await impatient.new_user()
    query = f"SELECT 1 FROM {table} WHERE user_id = $1 FOR UPDATE"
    async with row_locked(database_dsn, query, user.id):
        started = time.monotonic()
        async with asyncio.timeout(HANG_SECS):
            response = await call(user, admin)
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    assert STATEMENT_TIMEOUT_MS / 1000 <= elapsed < 3


async def test_statement_timeout_zero_lets_a_slow_statement_finish(
    make_api: ApiFactory, database_dsn: str
) -> None:
    async with make_api(database={"statement_timeout_ms": 0}) as api:
        user = await api.new_user()
        query = "SELECT 1 FROM user_sessions WHERE user_id = $1 FOR UPDATE"
        async with row_locked(database_dsn, query, user.id):
            logout = asyncio.create_task(user.logout())
            await asyncio.sleep(3 * STATEMENT_TIMEOUT_MS / 1000)
            assert not logout.done()
        async with asyncio.timeout(HANG_SECS):
            response = await logout

    assert response.status_code == 204
