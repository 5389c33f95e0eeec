"""`make bench-soak`: ten minutes of mixed load at a fixed rate, with a purge now and then.

About 70% GET /users/me, 20% refresh, 5% login and 5% logout
(SOAK_MIX=70:20:5:5), at
SOAK_RATE requests/s (400: well under what one worker serves), for
SOAK_MINUTES minutes after a warm-up that is not counted. Each minute
reports its p99 (overall and per kind) against the first minute's, its
errors, the worker's resident memory at its end, and the rows and bytes of
every table. The purge (purge.py: `app purge` once it exists) runs every
SOAK_PURGE_EVERY seconds in the background. Each logout ends the oldest
session a soak login opened, as users who sign in on one device and out on
another do: without them every login would add a session that outlives the
soak (the purge keeps a session until its refresh token and its last access
token have expired), and the tables would grow with the traffic's length
instead of settling. Refresh tokens issued during the soak live
SOAK_SESSION_SECS (120), so that a session a logout missed still ends; the
refresh chains renew theirs.
"""

import asyncio
import dataclasses
import os
import sys
import time
from collections import deque

import uvloop

from bench.config import load_config
from bench.context import Bench, prepared_bench
from bench.database import open_refresh_sessions, table_sizes
from bench.load import Load, LoadResult, load_result
from bench.mixed_load import MixedLoad, Sample
from bench.purge import PurgeRun, purge_command, run_purge
from bench.report import Report, ScenarioResult, markdown, write_report
from bench.server import Server, start_server, stop_server
from bench.soak_report import Minute, soak_summary

DATABASE = "bench_soak"


@dataclasses.dataclass(frozen=True, slots=True)
class SoakConfig:
    minutes: int
    minute_secs: float  # 60; shorter only to try the soak out
    rate_per_sec: float
    weights: dict[str, int]
    connections: int
    purge_every_secs: float
    session_secs: int


def soak_config() -> SoakConfig:
    me, refresh, login, logout = (
        int(part) for part in os.environ.get("SOAK_MIX", "70:20:5:5").split(":")
    )
    return SoakConfig(
        minutes=int(os.environ.get("SOAK_MINUTES", "10")),
        minute_secs=float(os.environ.get("SOAK_MINUTE_SECS", "60")),
        rate_per_sec=float(os.environ.get("SOAK_RATE", "400")),
        weights={"me": me, "refresh": refresh, "login": login, "logout": logout},
        connections=int(os.environ.get("SOAK_CONNECTIONS", "32")),
        purge_every_secs=float(os.environ.get("SOAK_PURGE_EVERY", "60")),
        session_secs=int(os.environ.get("SOAK_SESSION_SECS", "120")),
    )


async def _purges(
    command: list[str] | None, env: dict[str, str], every_secs: float, runs: list[PurgeRun]
) -> None:
    while command is not None:
        await asyncio.sleep(every_secs)
        runs.append(await run_purge(command, env))


async def _soak(bench: Bench, soak: SoakConfig, server: Server, env: dict[str, str]) -> None:
    refresh_tokens = await open_refresh_sessions(
        pool=bench.pool, users=bench.users, count=soak.connections * 2, secret=bench.secret
    )
    load = MixedLoad(
        port=server.port,
        rate_per_sec=soak.rate_per_sec,
        weights=soak.weights,
        connections=soak.connections,
        access_tokens=bench.access_tokens,
        refresh_tokens=deque(refresh_tokens),
        emails=[user.email for user in bench.users],
    )
    command = purge_command()
    await load.run(bench.config.warmup_secs, lambda _: None)
    samples: list[Sample] = []
    minutes: list[Minute] = []
    purges: list[PurgeRun] = []
    purging = asyncio.create_task(_purges(command, env, soak.purge_every_secs, purges))
    started = time.perf_counter()
    running = asyncio.create_task(load.run(soak.minutes * soak.minute_secs, samples.append))
    for number in range(1, soak.minutes + 1):
        server.reset_peak_memory()
        await asyncio.sleep(max(0.0, started + number * soak.minute_secs - time.perf_counter()))
        minutes.append(
            Minute(
                number=number,
                rss_mib=server.memory_mib(),
                peak_rss_mib=server.peak_memory_mib(),
                tables=await table_sizes(pool=bench.pool),
            )
        )
        print(f"  minute {number}: RSS {minutes[-1].rss_mib:.0f} MiB", flush=True)
    await running
    purging.cancel()
    load.close()
    by_minute: list[list[Sample]] = [[] for _ in minutes]
    for sample in samples:
        by_minute[min(len(minutes) - 1, int((sample.due - started) // soak.minute_secs))].append(
            sample
        )
    for minute, taken in zip(minutes, by_minute, strict=True):
        minute.samples = taken
        result = load_result(
            [s.latency_secs for s in taken], soak.minute_secs, sum(not s.ok for s in taken)
        )
        name = f"soak minute {minute.number} (mixed, {soak.rate_per_sec:g} req/s offered)"
        bench.report.scenarios.append(
            ScenarioResult(name, soak.connections, result, minute.peak_rss_mib)
        )
    soak_summary(bench.report, minutes, purges, purge_available=command is not None)


async def run() -> Report:
    config = load_config()
    soak = soak_config()
    mix = ":".join(str(weight) for weight in soak.weights.values())
    report = Report(
        config=config,
        client="asyncio, open loop",
        description=(
            f"Soak: {soak.minutes} minutes of {soak.minute_secs:g} s at {soak.rate_per_sec:g} "
            f"req/s offered (me:refresh:login:logout {mix}) on {soak.connections} connections, "
            f"{config.workers} worker(s), after {config.warmup_secs:g} s of warm-up."
        ),
    )
    print(f"Preparing the soak database ({soak.minutes} minutes at {soak.rate_per_sec:g} req/s)")
    async with prepared_bench(config, _no_runner, report, DATABASE) as bench:
        env = {
            **bench.server_env(bench.url),
            "SECURITY__REFRESH_TOKEN_EXPIRE_SECS": str(soak.session_secs),
        }
        server = await start_server(
            target="app.main:app", port=config.port, workers=config.workers, env=env
        )
        try:
            await _soak(bench, soak, server, env)
        finally:
            await stop_server(server)
    return report


async def _no_runner(_: Load) -> LoadResult:
    raise RuntimeError("the soak drives its own load")


def main() -> None:
    report = uvloop.run(run())
    json_path, markdown_path = write_report(report, prefix="soak")
    print()
    print(markdown(report))
    print(f"Written: {json_path.name} and {markdown_path.name} in {json_path.parent}")
    sys.exit(0)


if __name__ == "__main__":
    main()
