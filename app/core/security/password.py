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


# glibc's mallopt() parameters, and the values given to them.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # the most glibc accepts on 64 bits
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES


def _reuse_hash_buffers() -> None:
    """Have glibc's malloc reuse the memory of finished hashes, in one arena.

    By default glibc's mmap threshold starts at 128 KiB and rises to the
    size of the first mmapped block freed: after the first hash, buffers came
    from the hashing thread's malloc arena, which kept a freed buffer for the
    next hash. But glibc gives a thread another arena when its own is busy,
    so over a flood of logins and registrations several arenas could each
    keep a buffer: the worker's resident memory reached 180 MiB (100 MiB
    idle). One arena (as MALLOC_ARENA_MAX=1) lets whichever thread hashes
    next reuse a freed buffer: the memory stays near idle + `threads` x
    `memory_kib` (141-142 MiB after the same floods). The hashing threads
    call malloc twice per hash, so sharing the arena's lock costs nothing
    measurable.

    The thresholds are then fixed, as the dynamic ones were after the first
    hash: buffers up to 32 MiB come from the arena, and the free memory at
    its top is given back to the system only above 64 MiB, so that a hash
    does not fault its buffer in afresh. With the dynamic trim threshold the
    shared arena was trimmed between hashes (265 page faults per login
    instead of 0, 4% fewer logins/s); with a 128 KiB mmap threshold every
    buffer was mapped anew (30% fewer hashes/s). The price: an idle worker
    keeps one buffer from its start (resident 119 MiB instead of 101 MiB).
    Set here, not through the environment, so that it holds however the
    server is started.
    """
    if platform.libc_ver()[0] != "glibc":  # pragma: no cover - the tests run on glibc
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(M_ARENA_MAX, 1)
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


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
        _reuse_hash_buffers()
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
