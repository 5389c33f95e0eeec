"""Work that must not delay a response (sending email), run beside the request.

FastAPI's own background tasks run inside the request cycle, after the body is
sent but before the server is done with the request; a slow SMTP server would
hold them there. These are plain asyncio tasks instead: the response goes out
at once, and the application's lifespan waits for the ones still running when
it shuts down (and cancels them past a deadline).
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class BackgroundJobs:
    def __init__(self) -> None:
        # The event loop keeps only weak references to tasks: without this
        # set a running job could be garbage collected midway.
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, job: Coroutine[Any, Any, None], *, name: str) -> None:
        """Start `job` now; its failure is logged, never raised to anyone."""
        task = asyncio.create_task(self._logged(job, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(job: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await job
        except Exception:
            logger.exception("Background job %s failed", name)

    async def wait(self) -> None:
        """Until every job started so far has finished (also those they start)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, *, timeout_secs: float) -> None:
        """Shutdown: let running jobs finish within `timeout_secs`, cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_secs)
        for task in pending:
            logger.warning("Background job %s cancelled at shutdown", task.get_name())
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
