"""Scenario 8, storage: sessions refreshed thousands of times, and what that leaves in the tables.

32 sessions (STORAGE_SESSIONS) are refreshed 10,000 times in all
(STORAGE_REFRESHES), each session on its own connection, one refresh after
the other, each spending the token the previous one returned. The rows and
bytes (indexes included) of every table are read before, after, and after a
purge when there is one (see purge.py): a session refreshed 10,000 times
should hold no more rows than one refreshed twice. The write-ahead log
written meanwhile gives what a refresh costs the primary in WAL.
"""

import asyncio
import json
import time

from bench.aioclient import CONNECTION_FAILURES, exchange
from bench.context import Bench
from bench.database import (
    TableSize,
    bench_pool,
    open_refresh_sessions,
    recreate_database,
    seed_users,
    table_sizes,
    wal_bytes_since,
    wal_position,
)
from bench.load import load_result
from bench.purge import PurgeRun, purge_command, run_purge
from bench.report import ScenarioResult
from bench.request_sources import http_request
from bench.server import start_server, stop_server

DATABASE = "bench_storage"
_JSON = {"Content-Type": "application/json"}


async def _refresh_chain(port: int, token: str, count: int, latencies: list[float]) -> int:
    """`count` refreshes of one session in a row; the number of errors (the first ends it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            body = json.dumps({"refresh_token": token}).encode()
            request = http_request("POST", "/auth/refresh-token", port, _JSON, body)
            started = time.perf_counter()
            try:
                status, answer = await exchange(reader, writer, request)
            except CONNECTION_FAILURES:
                return 1
            latencies.append(time.perf_counter() - started)
            if status != 200:
                return 1
            token = json.loads(answer)["refresh_token"]
    finally:
        writer.close()
    return 0


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f}"


def _section(
    stages: list[tuple[str, list[TableSize]]], refreshes: int, wal: int, purge: PurgeRun | None
) -> str:
    names = [size.name for size in stages[0][1]]
    header = " | ".join(f"rows {stage} | KiB {stage}" for stage, _ in stages)
    lines = [
        f"Storage: rows and KiB (with indexes) of every table around {refreshes:,} refreshes.",
        "",
        f"| table | {header} |",
        "|---|" + "--:|" * (2 * len(stages)),
    ]
    for name in names:
        cells = []
        for _, sizes in stages:
            size = next(s for s in sizes if s.name == name)
            cells += [f"{size.rows:,}", _kib(size.bytes)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"WAL written meanwhile: {wal / 2**20:,.1f} MiB, {wal / refreshes:,.0f} bytes per refresh "
        "(the whole server's: other databases' writes count too).",
    ]
    if purge is None:
        lines += ["", "No purge ran: `app purge` does not exist yet (or PURGE_COMMAND is empty)."]
    else:
        lines += ["", f"Purge: {purge.secs:.1f} s, exit {purge.returncode}: `{purge.output}`"]
    return "\n".join(lines)


async def storage(bench: Bench) -> None:
    config = bench.config
    url = await recreate_database(bench.url, DATABASE)
    env = bench.server_env(url)
    async with bench_pool(url) as pool:
        users = await seed_users(pool=pool, count=config.users, password_hash=bench.password_hash)
        tokens = await open_refresh_sessions(
            pool=pool, users=users, count=config.storage_sessions, secret=bench.secret
        )
        stages = [("before", await table_sizes(pool=pool))]
        wal_before = await wal_position(pool=pool)
        server = await start_server(
            target="app.main:app", port=config.port, workers=config.workers, env=env
        )
        try:
            latencies: list[float] = []
            started = time.perf_counter()
            counts = [
                config.storage_refreshes // len(tokens)
                + (i < config.storage_refreshes % len(tokens))
                for i in range(len(tokens))
            ]
            errors = await asyncio.gather(
                *(
                    _refresh_chain(config.port, token, count, latencies)
                    for token, count in zip(tokens, counts, strict=True)
                )
            )
            result = load_result(latencies, time.perf_counter() - started, sum(errors))
            name = f"8. storage: {config.storage_refreshes:,} refreshes over {len(tokens)} sessions"
            bench.report.scenarios.append(
                ScenarioResult(name, len(tokens), result, server.peak_memory_mib())
            )
        finally:
            await stop_server(server)
        wal = await wal_bytes_since(pool=pool, position=wal_before)
        stages.append(("after", await table_sizes(pool=pool)))
        command = purge_command()
        purge = await run_purge(command, env) if command is not None else None
        if purge is not None:
            stages.append(("after purge", await table_sizes(pool=pool)))
    before, after = stages[0][1], stages[1][1]
    growth = sum(s.rows for s in after) - sum(s.rows for s in before)
    grown_bytes = sum(s.bytes for s in after) - sum(s.bytes for s in before)
    bench.report.extra_figures["storage_rows_per_refresh"] = growth / config.storage_refreshes
    bench.report.extra_figures["storage_bytes_per_refresh"] = grown_bytes / config.storage_refreshes
    bench.report.extra_figures["storage_wal_bytes_per_refresh"] = wal / config.storage_refreshes
    bench.report.extra_targets.append(("storage: no row per refresh", growth == 0))
    bench.report.sections.append(_section(stages, config.storage_refreshes, wal, purge))
