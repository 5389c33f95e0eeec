"""Scenario 7 (`make bench-data-size`): cost against data size, small database against large.

Two databases seeded in SQL (bench/database.py): 1,000 users with 1,000
sessions (SCALE_SMALL), and 1,000,000 users with 2,000,000 sessions
(SCALE_LARGE), each vacuumed and analysed as a database that has lived a
while, each served by its own server. /users/me and refresh run against one
then the other, REPEATS times, interleaved so that a change in the machine's
load hits both alike, and their medians are compared. The load uses 1,000
of the seeded sessions, drawn at random, so that its lookups land all over
the tables and indexes as real traffic's do. A service whose cost per
request does not grow with its data keeps its requests/s on the large one.
The databases are dropped afterwards: the large one takes a gigabyte or so.
"""

import statistics
import time
from dataclasses import dataclass, field

from bench.context import Bench
from bench.database import (
    TableSize,
    bench_pool,
    drop_database,
    recreate_database,
    refresh_tokens_of,
    seed_bulk,
    some_sessions,
    table_sizes,
)
from bench.report import ScenarioResult
from bench.server import Server, start_server, stop_server

# Sessions whose access tokens /users/me cycles through.
ACTIVE_SESSIONS = 1000


@dataclass(slots=True)
class Size:
    label: str
    users: int
    sessions: int
    database: str
    seed_secs: float = 0.0
    tables: list[TableSize] = field(default_factory=list)
    access_tokens: list[str] = field(default_factory=list)
    refresh_tokens: list[str] = field(default_factory=list)
    me: list[ScenarioResult] = field(default_factory=list)
    refresh: list[ScenarioResult] = field(default_factory=list)

    @property
    def what(self) -> str:
        return f"{self.users:,} users, {self.sessions:,} sessions"


async def _seed(bench: Bench, size: Size) -> Server:
    """Seed the size's database, draw its sessions, and start a server on it."""
    url = await recreate_database(bench.url, size.database)
    print(f"  seeding {size.what}", flush=True)
    started = time.perf_counter()
    await seed_bulk(
        url=url,
        users=size.users,
        sessions_per_user=size.sessions // size.users,
        password_hash=bench.password_hash,
    )
    size.seed_secs = time.perf_counter() - started
    # Each refresh run spends a token per connection and as many spares, for
    # its warm-up and again for its load.
    spent = bench.config.concurrency * 4 * bench.config.repeats
    async with bench_pool(url) as pool:
        sample = await some_sessions(pool=pool, count=max(ACTIVE_SESSIONS, spent))
        size.tables = await table_sizes(pool=pool)
    size.access_tokens = [
        bench.signer.issue(user_id=s.user_id, session_id=s.session_id, amr=["pwd"])[0]
        for s in sample[:ACTIVE_SESSIONS]
    ]
    # A refresh leaves the session's access tokens valid, so the refresh load
    # takes its sessions among the same ones, each token spent once.
    refresh_tokens = refresh_tokens_of(bench.secret)
    size.refresh_tokens = [s.refresh_token(refresh_tokens) for s in sample]
    port = bench.config.port if size.label == "a" else bench.config.ceiling_port
    return await start_server(
        target="app.main:app", port=port, workers=bench.config.workers, env=bench.server_env(url)
    )


async def _measure(bench: Bench, size: Size, server: Server) -> None:
    me = bench.load("me", server, size.access_tokens)
    size.me.append(await bench.measure(f"7{size.label}. /users/me, {size.what}", server, me, me))
    chains = bench.config.concurrency * 2
    warm, tokens = size.refresh_tokens[:chains], size.refresh_tokens[chains : 2 * chains]
    del size.refresh_tokens[: 2 * chains]
    refresh = bench.load("refresh", server, tokens)
    size.refresh.append(
        await bench.measure(
            f"7{size.label}. refresh, {size.what}",
            server,
            bench.load("refresh", server, warm),
            refresh,
        )
    )


def _median_rps(runs: list[ScenarioResult]) -> float:
    return statistics.median(run.result.requests_per_sec for run in runs)


def _section(small: Size, large: Size, me: float, refresh: float) -> str:
    lines = [
        f"Data size: on the large database /users/me keeps {me:.2f} and refresh {refresh:.2f} "
        f"of their requests/s on the small one (medians of {len(small.me)} interleaved runs).",
        "",
        "| database | seeded in s | " + " | ".join(t.name for t in small.tables) + " |",
        "|---|--:|" + "--:|" * len(small.tables),
    ]
    for size in (small, large):
        cells = [f"{t.rows:,} rows, {t.bytes / 2**20:,.1f} MiB" for t in size.tables]
        lines.append(f"| {size.what} | {size.seed_secs:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def data_size(bench: Bench) -> None:
    config = bench.config
    small = Size("a", *config.scale_small, database="bench_scale_small")
    large = Size("b", *config.scale_large, database="bench_scale_large")
    servers: list[Server] = []
    try:
        for size in (small, large):
            servers.append(await _seed(bench, size))
        for _ in range(config.repeats):
            for size, server in zip((small, large), servers, strict=True):
                await _measure(bench, size, server)
    finally:
        for server in servers:
            await stop_server(server)
    for size in (small, large):
        await drop_database(bench.url, size.database)
    me = _median_rps(large.me) / _median_rps(small.me)
    refresh = _median_rps(large.refresh) / _median_rps(small.refresh)
    bench.report.extra_figures["data_size_me_large_over_small"] = me
    bench.report.extra_figures["data_size_refresh_large_over_small"] = refresh
    bench.report.extra_targets += [
        ("data size: /users/me large >= 0.9 x small (medians)", me >= 0.9),
        ("data size: refresh large >= 0.9 x small (medians)", refresh >= 0.9),
    ]
    bench.report.sections.append(_section(small, large, me, refresh))
