"""Argon2id password hashing, off the event loop and with bounded concurrency.

Argon2id is memory-hard on purpose: each hash holds `memory_kib` of RAM for
tens of milliseconds. Hashing runs in a small thread pool (argon2-cffi
releases the GIL), so the event loop keeps serving other requests during a
flood of logins, and at most `threads` hashes hold memory at any moment.
"""

import asyncio
import contextlib
import ctypes
import os
import platform
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.config import Security

# Added to the niceness of the hashing threads: +10 gives them a tenth of the
# scheduling weight of the event loop and of PostgreSQL, so that when the CPU
# runs short a flood of logins slows logins down, not every other request
# (with 1 worker on 2 cores, /users/me kept 0.53-0.65 of its requests/s
# during a login flood at +5, 0.77-0.79 at +10). Hashing still gets every
# idle core, so login throughput changes little while the CPU has room.
HASHING_THREAD_NICENESS = 10


# glibc's mallopt() parameter for the most malloc arenas a process may have.
M_ARENA_MAX = -8


def _share_one_malloc_arena() -> None:
    """Have every thread allocate from one glibc malloc arena (as MALLOC_ARENA_MAX=1 does).

    After the first hash, glibc's dynamic mmap threshold rises above the size
    of a hash's buffer, so buffers come from the hashing thread's malloc
    arena, and an arena keeps a freed buffer for the next hash. glibc gives
    a thread another arena when the one it used is busy, so over a flood of
    logins and registrations more and more arenas each kept a buffer: the
    worker's resident memory reached 180 MiB (100 MiB idle). With one arena
    the freed buffers are reused whichever thread hashes next, so the memory
    stays near idle + `threads` x `memory_kib`. The hashing threads call
    malloc twice per hash, so sharing the arena lock costs nothing measurable.
    A fixed mmap threshold would give the memory back instead, but each hash
    then faulted in its buffer afresh: 30% fewer hashes per second. Set here,
    not through the environment, so that it holds however the server starts.
    """
    if platform.libc_ver()[0] != "glibc":  # pragma: no cover - the tests run on glibc
        return
    ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1)


def _yield_cpu_to_requests() -> None:
    """Run in each hashing thread as it starts: lower its scheduling priority.

    Linux applies niceness per thread (a thread id is a `PRIO_PROCESS` who).
    Where the platform refuses, hashing simply keeps the normal priority.
    """
    thread_id = threading.get_native_id()
    with contextlib.suppress(OSError):
        niceness = os.getpriority(os.PRIO_PROCESS, thread_id) + HASHING_THREAD_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread_id, niceness)


def _utf8(password: str) -> bytes:
    # JSON can carry lone surrogates (`\ud800`); they must hash, not crash.
    return password.encode("utf-8", "surrogatepass")


class PasswordHashing:
    def __init__(self, settings: Security) -> None:
        _share_one_malloc_arena()
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            type=Type.ID,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=settings.password_hash_threads,
            thread_name_prefix="argon2",
            initializer=_yield_cpu_to_requests,
        )
        # Verified in place of a missing account's hash, so that a login for
        # an unknown email costs the same work as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash_blocking(self, password: str) -> str:
        """For the command line, which has no event loop to protect."""
        return self._hasher.hash(_utf8(password))

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._hasher.hash, _utf8(password))

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
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._verify, password_hash, password)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
