"""The whole run: database, reference points, servers, scenarios, report."""

import asyncio
import dataclasses
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import uvloop
from sqlalchemy import URL

from app.core.config import Settings, get_settings
from app.core.database import asyncpg_dsn, resolve_database_url
from app.core.security.jwt import AccessTokens, token_audience, token_issuer
from app.core.security.password import PasswordHashing
from bench import report as names
from bench.aioclient import run_asyncio
from bench.argon2_reference import argon2_verifications_per_sec
from bench.config import PASSWORD, BenchConfig, load_config
from bench.database import (
    SeededUser,
    open_access_sessions,
    open_refresh_sessions,
    recreate_database,
    seed_users,
)
from bench.load import Kind, Load, LoadResult
from bench.report import Report, ScenarioResult, markdown, write_report
from bench.server import Server, start_server, stop_server
from bench.wrk import run_wrk, wrk_path

Runner = Callable[[Load], Awaitable[LoadResult]]
ARGON2_REFERENCE_SECS = 5.0


@dataclass(slots=True)
class Bench:
    config: BenchConfig
    settings: Settings
    runner: Runner
    report: Report
    pool: asyncpg.Pool
    users: list[SeededUser]
    access_tokens: list[str]
    secret: str

    def load(self, kind: Kind, server: Server, items: list[str], concurrency: int = 0) -> Load:
        return Load(
            kind=kind,
            port=server.port,
            concurrency=concurrency or self.config.concurrency,
            duration_secs=self.config.duration_secs,
            items=tuple(items),
        )

    async def measure(self, name: str, server: Server, warmup: Load, load: Load) -> None:
        """A warm-up (discarded), then the load itself with the server's memory watched."""
        await self.runner(dataclasses.replace(warmup, duration_secs=self.config.warmup_secs))
        server.reset_peak_memory()
        result = await self.runner(load)
        scenario = ScenarioResult(name, load.concurrency, result, server.peak_memory_mib())
        self.report.scenarios.append(scenario)
        print(
            f"  {name}: {result.requests_per_sec:,.0f} req/s, p99 {result.p99_ms:.1f} ms, "
            f"{result.errors} errors",
            flush=True,
        )

    async def refresh_tokens(self) -> list[str]:
        # Spares beyond one per connection: a failed request drops its chain.
        count = self.config.concurrency * 2
        return await open_refresh_sessions(
            pool=self.pool, users=self.users, count=count, secret=self.secret
        )


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


def _server_env(url: URL, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE__URL": url.render_as_string(hide_password=False),
        "SECURITY__JWT_SECRET_KEY": secret,
        # Production requires one; the bench does not scrape /metrics.
        "METRICS__BEARER_TOKEN": secrets.token_hex(32),
        # The access log is off, as the issue asks: the app's per-request log
        # line is INFO, so WARNING keeps it quiet (security events still log).
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # Every virtual client comes from 127.0.0.1: the per-address limit
        # would turn the login and registration floods into 429s. The
        # throttle still runs (its check costs one round trip per attempt).
        "THROTTLE__REQUESTS_PER_ADDRESS": os.environ.get(
            "THROTTLE__REQUESTS_PER_ADDRESS", "1000000000"
        ),
    }


def choose_runner(config: BenchConfig) -> tuple[str, Runner]:
    if config.client == "asyncio" or (config.client == "auto" and wrk_path() is None):
        return "asyncio", run_asyncio
    return "wrk", run_wrk


async def run(config: BenchConfig) -> Report:
    settings: Settings = get_settings()
    client, runner = choose_runner(config)
    report = Report(config=config, client=client)
    print(f"Preparing the bench database (client: {client})", flush=True)
    url = await recreate_database(await resolve_database_url(settings))
    hashing = PasswordHashing(settings.security)
    password_hash = hashing.hash_blocking(PASSWORD)
    hashing.close()
    secret = secrets.token_urlsafe(48)  # 64 characters
    signer = AccessTokens(
        secret=secret,
        algorithm=settings.security.jwt_algorithm,
        issuer=token_issuer(settings),
        audience=token_audience(settings),
        lifetime_secs=3600,
    )
    env = _server_env(url, secret)
    async with asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=2) as pool:
        users = await seed_users(pool=pool, count=config.users, password_hash=password_hash)
        tokens = await open_access_sessions(
            pool=pool, users=users, count=config.concurrency, access_tokens=signer
        )
        bench = Bench(config, settings, runner, report, pool, users, tokens, secret)
        service = await start_server(
            target="app.main:app", port=config.port, workers=config.workers, env=env
        )
        try:
            ceiling = await start_server(
                target="bench.ceiling:create_app",
                port=config.ceiling_port,
                workers=config.workers,
                env=env,
                factory=True,
            )
            try:
                print("Running the scenarios", flush=True)
                await scenarios(bench, service, ceiling)
            finally:
                await stop_server(ceiling)
        finally:
            await stop_server(service)
    return report


def main() -> None:
    report = uvloop.run(run(load_config()))
    json_path, markdown_path = write_report(report)
    print()
    print(markdown(report))
    print(f"Written: {json_path.name} and {markdown_path.name} in {json_path.parent}")
    sys.exit(0)
