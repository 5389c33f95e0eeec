"""Scenario 6: GET /users/me against `app serve` with one worker, then with two.

The load of scenario 1, against the service as its command line serves it
(`app serve --workers N`; with two workers, their metrics are shared through
files). On a small machine the load generator and PostgreSQL share the cores
with the workers, so the CPU each side took is reported beside the ratio: it
bounds what a second worker can add here.
"""

import os

from bench.context import Bench
from bench.cpu import CpuUse
from bench.report import ScenarioResult
from bench.server import start_app_serve, stop_server

ONE = "6a. /users/me, app serve --workers 1"
TWO = "6b. /users/me, app serve --workers 2"


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _cpu_row(run: ScenarioResult) -> str:
    cpu = run.cpu or CpuUse(0.0, 0.0, None)
    total = cpu.service + cpu.load_generator + (cpu.postgres or 0.0)
    return (
        f"| {run.name} | {run.result.requests_per_sec:,.0f} | {_cores(cpu.service)} "
        f"| {_cores(cpu.load_generator)} | {_cores(cpu.postgres)} | {total:.2f} |"
    )


def _section(one: ScenarioResult, two: ScenarioResult, ratio: float) -> str:
    lines = [
        f"Two workers: {ratio:.2f} x the requests/s of one, on {os.cpu_count()} cores shared "
        "by the service, the load generator and PostgreSQL (CPU in cores busy on average; "
        "PostgreSQL: its backends serving the bench database).",
        "",
        "| scenario | req/s | service | load generator | PostgreSQL | total |",
        "|---|--:|--:|--:|--:|--:|",
        _cpu_row(one),
        _cpu_row(two),
    ]
    return "\n".join(lines)


async def two_workers(bench: Bench) -> None:
    runs: list[ScenarioResult] = []
    for workers, name in ((1, ONE), (2, TWO)):
        server = await start_app_serve(
            port=bench.config.port, workers=workers, env=bench.server_env(bench.url)
        )
        try:
            me = bench.load("me", server, bench.access_tokens)
            runs.append(await bench.measure(name, server, me, me, cpu_pool=bench.pool))
        finally:
            await stop_server(server)
    one, two = runs
    ratio = two.result.requests_per_sec / one.result.requests_per_sec
    bench.report.extra_figures["two_workers_over_one_rps"] = ratio
    bench.report.sections.append(_section(one, two, ratio))
