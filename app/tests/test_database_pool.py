"""The one pool: waiting requests are served in arrival order, broken connections are replaced."""

import asyncio

import asyncpg
import pytest
from sqlalchemy import URL

from app.core.config import Database as DatabaseSettings
from app.core.database import Database


async def wait_turns(turns: int) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


# A newcomer that asks for a connection at any point around its release: with
# the pool's plain queue, some of these offsets let it take the connection
# that was freed for the request already waiting.
@pytest.mark.parametrize("newcomer_turns", range(6))
async def test_waiting_request_gets_the_freed_connection_before_a_newcomer(
    database_url: URL, newcomer_turns: int
) -> None:
    database = Database.open(database_url, DatabaseSettings(pool_size=1))
    served: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with database.connection():
            await release.wait()

    async def query(name: str, turns: int) -> None:
        await wait_turns(turns)
        async with database.connection() as connection:
            served.append(name)
            await connection.fetchval("SELECT 1")

    try:
        holder = asyncio.create_task(hold())
        await wait_turns(20)  # the holder has the only connection
        waiter = asyncio.create_task(query("waiter", 0))
        await wait_turns(3)  # the waiter is now queued for the connection
        newcomer = asyncio.create_task(query("newcomer", newcomer_turns))
        release.set()
        await asyncio.gather(holder, waiter, newcomer)
    finally:
        await database.close()
    assert served == ["waiter", "newcomer"]


async def test_failed_connection_gives_its_place_back(database_url: URL) -> None:
    database = Database.open(
        database_url.set(password="wrong", username="nobody"), DatabaseSettings(pool_size=1)
    )
    try:
        for _ in range(2):  # a lost place would leave the second attempt waiting forever
            with pytest.raises(asyncpg.PostgresError):
                await asyncio.wait_for(database.fetchval("SELECT 1"), timeout=10)
    finally:
        await database.close()


async def test_connection_cancelled_mid_query_is_not_reused(database_url: URL) -> None:
    database = Database.open(database_url, DatabaseSettings(pool_size=1))
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await database.fetchval("SELECT pg_sleep(5)")
        assert await database.fetchval("SELECT 1") == 1
        assert database.pool_usage() == (1, 0)
    finally:
        await database.close()


async def test_connection_closed_by_the_server_is_replaced_without_an_error(
    direct_database_url: URL, db: asyncpg.Connection
) -> None:
    database = Database.open(direct_database_url, DatabaseSettings(pool_size=1))
    try:
        backend = await database.fetchval("SELECT pg_backend_pid()")
        await db.execute("SELECT pg_terminate_backend($1)", backend)
        await asyncio.sleep(0.2)  # the pooled connection sees its socket close
        assert await database.fetchval("SELECT pg_backend_pid()") != backend
    finally:
        await database.close()
