"""Argon2id password hashing, off the event loop and with bounded concurrency.

Argon2id is memory-hard on purpose: each hash holds `memory_kib` of RAM for
tens of milliseconds. Hashing runs in a small thread pool (argon2-cffi
releases the GIL), so the event loop keeps serving other requests during a
flood of logins, and at most `threads` hashes hold memory at any moment.
"""

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from app.core import messages
from app.core.config import Security
from app.core.errors import BusyError
from app.core.process_tuning import lower_this_thread_priority

T = TypeVar("T")


def _utf8(password: str) -> bytes:
    # JSON can carry lone surrogates (`\ud800`); they must hash, not crash.
    return password.encode("utf-8", "surrogatepass")


# What a request whose hash finds the queue full is told to wait.
BUSY_RETRY_AFTER_SECS = 1


class PasswordHashing:
    """Hashes and verifies in a bounded thread pool with a bounded queue.

    At most `password_hash_queue_size` hashes wait or run per process: past
    that, `BusyError` at once, so a flood (of logins, or of password resets
    with made-up tokens) cannot make every request wait without limit.
    """

    def __init__(self, settings: Security) -> None:
        self._queue_size = settings.password_hash_queue_size
        self._pending = 0
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            type=Type.ID,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=settings.password_hash_threads,
            thread_name_prefix="argon2",
            initializer=lower_this_thread_priority,
        )
        # Verified in place of a missing account's hash, so that a login for
        # an unknown email costs the same work as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash_blocking(self, password: str) -> str:
        """For the command line, which has no event loop to protect."""
        return self._hasher.hash(_utf8(password))

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        if self._pending >= self._queue_size:
            raise BusyError(messages.SERVICE_BUSY, retry_after_secs=BUSY_RETRY_AFTER_SECS)
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._pending -= 1

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, _utf8(password))

    def _verify(self, password_hash: str | None, password: str) -> tuple[bool, str | None]:
        try:
            self._hasher.verify(password_hash or self._dummy_hash, _utf8(password))
        except (VerificationError, InvalidHashError):
            return False, None
        if password_hash is None:  # pragma: no cover - needs a guess of the dummy's random password
            return False, None
        # Hashes made with weaker parameters are upgraded at a successful login.
        if self._hasher.check_needs_rehash(password_hash):
            return True, self._hasher.hash(_utf8(password))
        return True, None

    async def verify(self, password_hash: str | None, password: str) -> tuple[bool, str | None]:
        """Check `password`; `password_hash` None stands for an unknown account.

        Returns whether it matched and, when the stored hash is weaker than the
        current parameters, a new hash to store.
        """
        return await self._run(self._verify, password_hash, password)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
