"""Scenario 7, cost against data size: /users/me and refresh, small database then large one.

Each size gets a fresh database, seeded in SQL (bench/database.py): 1,000
users with 1,000 sessions (SCALE_SMALL), then 1,000,000 users with 2,000,000
sessions (SCALE_LARGE), vacuumed and analysed as a database that has lived a
while. The load uses 1,000 of the seeded sessions, drawn at random, so that
its lookups land all over the tables and indexes as real traffic's do. A
service whose cost per request does not grow with its data keeps its
requests/s on the large one. The database is dropped afterwards: the large
one takes a gigabyte or so.
"""

import time
from dataclasses import dataclass

from bench.context import Bench
from bench.database import (
    TableSize,
    bench_pool,
    drop_database,
    recreate_database,
    seed_bulk,
    some_sessions,
    table_sizes,
)
from bench.report import ScenarioResult
from bench.server import start_server, stop_server

DATABASE = "bench_scale"
# Sessions whose access tokens /users/me cycles through.
ACTIVE_SESSIONS = 1000


@dataclass(frozen=True, slots=True)
class SizeRun:
    users: int
    sessions: int
    seed_secs: float
    tables: list[TableSize]
    me: ScenarioResult
    refresh: ScenarioResult


async def _size(bench: Bench, label: str, users: int, sessions: int) -> SizeRun:
    config = bench.config
    url = await recreate_database(bench.url, DATABASE)
    print(f"  seeding {users:,} users and {sessions:,} sessions", flush=True)
    started = time.perf_counter()
    await seed_bulk(
        url=url,
        users=users,
        sessions_per_user=sessions // users,
        password_hash=bench.password_hash,
    )
    seed_secs = time.perf_counter() - started
    async with bench_pool(url) as pool:
        sample = await some_sessions(pool=pool, count=ACTIVE_SESSIONS)
        tables = await table_sizes(pool=pool)
    access = [bench.signer.issue(user_id=s.user_id, session_id=s.session_id)[0] for s in sample]
    # A refresh leaves the session's access tokens valid, so the refresh load
    # takes its sessions among the same: one token per connection and as many
    # spares, for the warm-up and again for the load.
    chains = config.concurrency * 2
    warm = [s.refresh_token() for s in sample[:chains]]
    measured = [s.refresh_token() for s in sample[chains : 2 * chains]]
    server = await start_server(
        target="app.main:app", port=config.port, workers=config.workers, env=bench.server_env(url)
    )
    try:
        what = f"{users:,} users, {sessions:,} sessions"
        me = bench.load("me", server, access)
        me_run = await bench.measure(f"7{label}. /users/me, {what}", server, me, me)
        refresh = bench.load("refresh", server, measured)
        refresh_run = await bench.measure(
            f"7{label}. refresh, {what}", server, bench.load("refresh", server, warm), refresh
        )
    finally:
        await stop_server(server)
    return SizeRun(users, sessions, seed_secs, tables, me_run, refresh_run)


def _section(small: SizeRun, large: SizeRun) -> str:
    me = large.me.result.requests_per_sec / small.me.result.requests_per_sec
    refresh = large.refresh.result.requests_per_sec / small.refresh.result.requests_per_sec
    lines = [
        f"Data size: on the large database /users/me keeps {me:.2f} and refresh {refresh:.2f} "
        "of their requests/s on the small one.",
        "",
        "| database | seeded in s | " + " | ".join(t.name for t in small.tables) + " |",
        "|---|--:|" + "--:|" * len(small.tables),
    ]
    for run in (small, large):
        cells = [f"{t.rows:,} rows, {t.bytes / 2**20:,.1f} MiB" for t in run.tables]
        lines.append(
            f"| {run.users:,} users, {run.sessions:,} sessions | {run.seed_secs:.0f} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


async def data_size(bench: Bench) -> None:
    small = await _size(bench, "a", *bench.config.scale_small)
    large = await _size(bench, "b", *bench.config.scale_large)
    await drop_database(bench.url, DATABASE)
    figures = bench.report.extra_figures
    figures["data_size_me_large_over_small"] = (
        large.me.result.requests_per_sec / small.me.result.requests_per_sec
    )
    figures["data_size_refresh_large_over_small"] = (
        large.refresh.result.requests_per_sec / small.refresh.result.requests_per_sec
    )
    bench.report.extra_targets += [
        (
            "data size: /users/me large >= 0.9 x small",
            figures["data_size_me_large_over_small"] >= 0.9,
        ),
        (
            "data size: refresh large >= 0.9 x small",
            figures["data_size_refresh_large_over_small"] >= 0.9,
        ),
    ]
    bench.report.sections.append(_section(small, large))
