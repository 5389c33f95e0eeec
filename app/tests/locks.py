"""Row locks held by the test's own connection, to force an interleaving with a request."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


async def wait_for_lock_waiter(
    db: asyncpg.Connection, timeout_secs: float = 10.0, *, query_like: str = "%"
) -> None:
    """Return once another connection to this database waits on a lock (in a
    statement `LIKE query_like`: a background job of the app may wait too)."""
    deadline = time.monotonic() + timeout_secs
    while time.monotonic() < deadline:
        # Inside a transaction PostgreSQL shows the activity it read first, unless told.
        await db.execute("SELECT pg_stat_clear_snapshot()")
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE $1",
            query_like,
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no request waited on the lock")


@asynccontextmanager
async def row_locked(dsn: str, query: str, *args: Any) -> AsyncIterator[None]:
    """Hold `SELECT ... FOR UPDATE` in an open transaction of a connection of its own."""
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            assert await connection.fetch(query, *args)
            yield
    finally:
        await connection.close()
