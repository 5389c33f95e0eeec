"""The whole run: database, reference points, servers, scenarios, report."""

import asyncio
import sys

import uvloop

from bench import report as names
from bench.aioclient import run_asyncio
from bench.argon2_reference import argon2_verifications_per_sec
from bench.config import BenchConfig, load_config
from bench.context import Bench, Runner, prepared_bench
from bench.data_size import data_size
from bench.load import Load
from bench.report import Report, ScenarioResult, markdown, write_report
from bench.server import Server, start_server, stop_server
from bench.storage import storage
from bench.tokens import tokens
from bench.two_workers import two_workers
from bench.wrk import run_wrk, wrk_path

ARGON2_REFERENCE_SECS = 5.0


async def isolation(bench: Bench, service: Server) -> None:
    """/users/me at low concurrency alone, then beside a continuous login flood."""
    concurrency = bench.config.isolation_concurrency
    tokens = bench.access_tokens[:concurrency]
    me = bench.load("me", service, tokens, concurrency)
    await bench.measure(names.ALONE, service, me, me)
    emails = [user.email for user in bench.users]
    flood_secs = bench.config.warmup_secs + bench.config.duration_secs + 1
    flood = Load("login", service.port, concurrency, flood_secs, tuple(emails))
    flooding = asyncio.ensure_future(bench.runner(flood))
    await bench.measure(names.FLOODED, service, me, me)
    flood_result = await flooding
    bench.report.scenarios.append(
        ScenarioResult(names.FLOOD, concurrency, flood_result, service.peak_memory_mib())
    )


async def scenarios(bench: Bench, service: Server, ceiling: Server) -> None:
    me = bench.load("me", service, bench.access_tokens)
    ceiling_me = bench.load("me", ceiling, bench.access_tokens)
    # Interleaved, so that a change in the machine's load hits both alike.
    for _ in range(bench.config.repeats):
        await bench.measure(names.CEILING, ceiling, ceiling_me, ceiling_me)
        await bench.measure(names.ME, service, me, me)
    warmup = bench.load("refresh", service, await bench.refresh_tokens())
    refresh = bench.load("refresh", service, await bench.refresh_tokens())
    await bench.measure(names.REFRESH, service, warmup, refresh)
    # Measured just before the login scenario, so that both see the same
    # machine; the server is idle meanwhile.
    security = bench.settings.security
    bench.report.argon2_per_sec = await asyncio.to_thread(
        argon2_verifications_per_sec,
        security,
        security.password_hash_threads * bench.config.workers,
        ARGON2_REFERENCE_SECS,
    )
    login = bench.load("login", service, [user.email for user in bench.users])
    await bench.measure(names.LOGIN, service, login, login)
    warmup = bench.load("register", service, ["bench-warmup"])
    await bench.measure(names.REGISTER, service, warmup, bench.load("register", service, ["bench"]))
    await isolation(bench, service)


async def core_scenarios(bench: Bench) -> None:
    """Scenarios 1 to 5, against the service and the ceiling, both served by uvicorn."""
    env = bench.server_env(bench.url)
    service = await start_server(
        target="app.main:app", port=bench.config.port, workers=bench.config.workers, env=env
    )
    try:
        ceiling = await start_server(
            target="bench.ceiling:create_app",
            port=bench.config.ceiling_port,
            workers=bench.config.workers,
            env=env,
            factory=True,
        )
        try:
            await scenarios(bench, service, ceiling)
        finally:
            await stop_server(ceiling)
    finally:
        await stop_server(service)


def choose_runner(config: BenchConfig) -> tuple[str, Runner]:
    if config.client == "asyncio" or (config.client == "auto" and wrk_path() is None):
        return "asyncio", run_asyncio
    return "wrk", run_wrk


async def run(config: BenchConfig) -> Report:
    client, runner = choose_runner(config)
    report = Report(config=config, client=client)
    print(f"Preparing the bench database (client: {client})", flush=True)
    async with prepared_bench(config, runner, report) as bench:
        # One server at a time: each scenario starts and stops its own.
        steps = {
            "core": core_scenarios,
            "two-workers": two_workers,
            "storage": storage,
            "data-size": data_size,
            "tokens": tokens,
        }
        for step in config.scenarios:
            print(f"Running: {step}", flush=True)
            await steps[step](bench)
    return report


def main() -> None:
    report = uvloop.run(run(load_config()))
    json_path, markdown_path = write_report(report)
    print()
    print(markdown(report))
    print(f"Written: {json_path.name} and {markdown_path.name} in {json_path.parent}")
    sys.exit(0)
