"""An asyncpg pool that hands out its connections first come, first served.

asyncpg's pool keeps its free connections in an `asyncio.Queue`, and
`Queue.get()` takes a connection that was just given back even while earlier
requests are waiting for one: the waiter woken for it finds it gone and
queues again at the back. With more requests in flight than connections (32
against 10 in `make bench`), some requests lost that race again and again:
GET /users/me had a p99 of 29-31 ms for a median of 7 ms. A semaphore of the
pool's size in front of it admits requests in arrival order (asyncio's
`Semaphore` never lets a newcomer pass a waiter), so a request reaches the
queue only when a connection is free for it: p99 11-13 ms for a median of
9 ms. The price: a request that finds every connection busy waits one more
turn of the event loop, and /users/me went from 0.49 to 0.44-0.45 of the
ceiling's requests/s.
"""

import asyncio
from typing import Any

import asyncpg


class FairPool(asyncpg.Pool):
    """`asyncpg.Pool`, with waiting requests served in the order they came.

    Every connection the pool hands out must go back through `release()`
    once, as `async with pool.acquire()` and the query methods
    (`pool.fetchrow()`...) do.
    """

    __slots__ = ("_admission",)

    def __init__(self, *connect_args: Any, max_size: int, **kwargs: Any) -> None:
        super().__init__(*connect_args, max_size=max_size, **kwargs)
        self._admission = asyncio.Semaphore(max_size)

    # `_acquire` is asyncpg's own step behind `acquire()` and every query
    # method; asyncpg is pinned in uv.lock, and the tests run through it.
    # The `timeout` parameters are asyncpg's signatures (ASYNC109).
    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            await self._admission.acquire()
        try:
            return await super()._acquire(timeout)  # type: ignore[misc]
        except BaseException:
            self._admission.release()
            raise

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        try:
            await super().release(connection, timeout=timeout)
        finally:
            self._admission.release()
