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
    # Which parts run, in order (`SCENARIOS=storage,two-workers make bench`).
    scenarios: tuple[str, ...]
    # Scenario 7, cost against data size: (users, sessions) of each database.
    scale_small: tuple[int, int]
    scale_large: tuple[int, int]
    # Scenario 8, storage: sessions, and refreshes over all of them.
    storage_sessions: int
    storage_refreshes: int


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


SCENARIOS = ("core", "two-workers", "storage", "data-size", "tokens")
# `make bench`: about six minutes. The data-size scenario seeds a million
# users first, which takes minutes of its own: `make bench-data-size`.
DEFAULT_SCENARIOS = ("core", "two-workers", "storage", "tokens")


def _scenarios() -> tuple[str, ...]:
    names = tuple(os.environ.get("SCENARIOS", ",".join(DEFAULT_SCENARIOS)).split(","))
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"SCENARIOS: unknown {sorted(unknown)}; known: {', '.join(SCENARIOS)}")
    return names


def _scale(name: str, default: str) -> tuple[int, int]:
    """`USERS:SESSIONS`, sessions a whole multiple of users (each user gets as many)."""
    users, sessions = (int(part) for part in os.environ.get(name, default).split(":"))
    if users < 1 or sessions % users:
        raise SystemExit(f"{name}: sessions must be a whole multiple of users, as in 1000:2000")
    return users, sessions


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
        scenarios=_scenarios(),
        scale_small=_scale("SCALE_SMALL", "1000:1000"),
        scale_large=_scale("SCALE_LARGE", "1000000:2000000"),
        storage_sessions=int(_number("STORAGE_SESSIONS", 32)),
        storage_refreshes=int(_number("STORAGE_REFRESHES", 10_000)),
    )
