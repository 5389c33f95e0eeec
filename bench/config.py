"""What a run measures, read from the environment (`make bench WORKERS=2 DURATION=5`)."""

import os
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_DIR = BENCH_DIR / "lua"
DATABASE_NAME = "bench"
# One password for every seeded user: the login scenario verifies it, the
# registration scenario hashes it. Long and random-looking, so the
# common-password check passes.
PASSWORD = "bench-Password-7Qx2vLp9"


@dataclass(frozen=True, slots=True)
class BenchConfig:
    duration_secs: float
    warmup_secs: float
    concurrency: int
    isolation_concurrency: int
    workers: int
    repeats: int
    users: int
    client: str  # "wrk", "asyncio" or "auto"
    port: int
    ceiling_port: int


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def load_config() -> BenchConfig:
    return BenchConfig(
        duration_secs=_number("DURATION", 10),
        warmup_secs=_number("WARMUP", 2),
        concurrency=int(_number("CONCURRENCY", 32)),
        isolation_concurrency=int(_number("ISOLATION_CONCURRENCY", 4)),
        workers=int(_number("WORKERS", 1)),
        repeats=int(_number("REPEATS", 3)),
        users=int(_number("USERS", 64)),
        client=os.environ.get("BENCH_CLIENT", "auto"),
        port=int(_number("BENCH_PORT", 8731)),
        ceiling_port=int(_number("BENCH_CEILING_PORT", 8732)),
    )
