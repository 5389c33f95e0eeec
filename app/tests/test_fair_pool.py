"""The hot-path pool serves waiting requests in arrival order (see app/core/fair_pool.py)."""

import asyncio

import asyncpg
import pytest
from sqlalchemy import URL

from app.core.config import Database as DatabaseSettings
from app.core.database_session import close_database, open_database


async def wait_turns(turns: int) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


# A newcomer that asks for a connection at any point around its release: with
# asyncio's plain queue, some of these offsets let it take the connection that
# was freed for the request already waiting.
@pytest.mark.parametrize("newcomer_turns", range(6))
async def test_waiting_request_gets_the_freed_connection_before_a_newcomer(
    database_url: URL, newcomer_turns: int
) -> None:
    database = await open_database(database_url, DatabaseSettings(pool_size=1))
    served: list[str] = []

    async def query(name: str, turns: int) -> None:
        await wait_turns(turns)
        async with database.pool.acquire() as connection:
            served.append(name)
            await connection.fetchval("SELECT 1")

    try:
        held = await database.pool.acquire()
        waiter = asyncio.create_task(query("waiter", 0))
        await wait_turns(3)  # the waiter is now queued for the connection
        newcomer = asyncio.create_task(query("newcomer", newcomer_turns))
        await database.pool.release(held)
        await asyncio.gather(waiter, newcomer)
    finally:
        await close_database(database)
    assert served == ["waiter", "newcomer"]


async def test_failed_acquisition_gives_its_place_back(database_url: URL) -> None:
    database = await open_database(
        database_url.set(password="wrong", username="nobody"), DatabaseSettings(pool_size=1)
    )
    try:
        for _ in range(2):  # a lost place would leave the second attempt waiting forever
            with pytest.raises(asyncpg.PostgresError):
                await asyncio.wait_for(database.pool.fetchval("SELECT 1"), timeout=10)
    finally:
        await close_database(database)
