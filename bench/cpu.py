"""Where the CPU went during a load: the service, the load generator, PostgreSQL.

Read from `/proc` (Linux), so PostgreSQL counts only when it runs on this
machine: its backends serving the bench database, found in
`pg_stat_activity`, which is where the requests' queries run (the WAL writer,
checkpointer and autovacuum are left out). The load generator is wrk, a child
process reaped when its run ends, or this process when the asyncio client
drives the load.
"""

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

_TICKS_PER_SEC = os.sysconf("SC_CLK_TCK")
_BACKENDS = """
SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass(frozen=True, slots=True)
class CpuUse:
    """Cores used on average over the load (1.0: one core busy all the time)."""

    service: float
    load_generator: float
    postgres: float | None


def process_cpu_secs(pid: int) -> float:
    """User plus system CPU seconds of one process so far; 0 when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14 and 15 of stat(5), utime and stime, after the "(comm)".
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SEC


def _rusage_secs(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _any_process_visible(pids: set[int]) -> bool:
    """False when PostgreSQL runs elsewhere (or in another PID namespace)."""
    return any(Path(f"/proc/{pid}").exists() for pid in pids)


async def _backend_pids(pool: asyncpg.Pool) -> list[int]:
    return [row["pid"] for row in await pool.fetch(_BACKENDS)]


@dataclass(slots=True)
class CpuMeter:
    """Started before a load and stopped after it; `service_pids` are read at both ends."""

    service_pids: list[int]
    pool: asyncpg.Pool
    _started: float = 0.0
    _service: float = 0.0
    _children: float = 0.0
    _own: float = 0.0
    _backends: dict[int, float] | None = None

    async def start(self) -> None:
        pids = await _backend_pids(self.pool)
        self._backends = {pid: process_cpu_secs(pid) for pid in pids}
        self._service = sum(process_cpu_secs(pid) for pid in self.service_pids)
        self._children = _rusage_secs(resource.RUSAGE_CHILDREN)
        self._own = _rusage_secs(resource.RUSAGE_SELF)
        self._started = time.perf_counter()

    async def stop(self, *, in_process_client: bool) -> CpuUse:
        wall = time.perf_counter() - self._started
        service = sum(process_cpu_secs(pid) for pid in self.service_pids) - self._service
        if in_process_client:
            generator = _rusage_secs(resource.RUSAGE_SELF) - self._own
        else:
            generator = _rusage_secs(resource.RUSAGE_CHILDREN) - self._children
        backends = self._backends or {}
        pids = set(await _backend_pids(self.pool)) | set(backends)
        # A backend that ended meanwhile took CPU that can no longer be read.
        postgres = sum(max(0.0, process_cpu_secs(pid) - backends.get(pid, 0.0)) for pid in pids)
        readable = _any_process_visible(pids)
        return CpuUse(
            service=service / wall,
            load_generator=generator / wall,
            postgres=postgres / wall if readable else None,
        )
