"""What every scenario works with: settings, client, report, database, users, signing key."""

import dataclasses
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy import URL

from app.core.config import Settings, get_settings
from app.core.database import resolve_database_url
from app.core.security.jwt import AccessTokens, token_audience, token_issuer
from app.core.security.password import PasswordHashing
from bench.config import DATABASE_NAME, PASSWORD, BenchConfig
from bench.cpu import CpuMeter
from bench.database import (
    SeededUser,
    bench_pool,
    open_access_sessions,
    open_refresh_sessions,
    recreate_database,
    seed_users,
)
from bench.load import Kind, Load, LoadResult
from bench.report import Report, ScenarioResult
from bench.server import Server

Runner = Callable[[Load], Awaitable[LoadResult]]


@dataclass(slots=True)
class Bench:
    config: BenchConfig
    settings: Settings
    runner: Runner
    report: Report
    # The `bench` database (URL and a small pool on it), its seeded users,
    # and an access token for each connection of a load.
    url: URL
    pool: asyncpg.Pool
    users: list[SeededUser]
    access_tokens: list[str]
    # Signs access tokens the servers accept (their SECURITY__JWT_SECRET_KEY).
    signer: AccessTokens
    secret: str
    password_hash: str

    def load(self, kind: Kind, server: Server, items: list[str], concurrency: int = 0) -> Load:
        return Load(
            kind=kind,
            port=server.port,
            concurrency=concurrency or self.config.concurrency,
            duration_secs=self.config.duration_secs,
            items=tuple(items),
        )

    async def measure(
        self,
        name: str,
        server: Server,
        warmup: Load,
        load: Load,
        cpu_pool: asyncpg.Pool | None = None,
    ) -> ScenarioResult:
        """A warm-up (discarded), then the load itself with the server's memory watched.

        With `cpu_pool` (a pool on the database the server uses), the CPU of
        the server, the load generator and PostgreSQL is measured too.
        """
        await self.runner(dataclasses.replace(warmup, duration_secs=self.config.warmup_secs))
        server.reset_peak_memory()
        meter = CpuMeter(server.all_pids(), cpu_pool) if cpu_pool is not None else None
        if meter is not None:
            await meter.start()
        result = await self.runner(load)
        cpu = None
        if meter is not None:
            cpu = await meter.stop(in_process_client=self.report.client == "asyncio")
        scenario = ScenarioResult(name, load.concurrency, result, server.peak_memory_mib(), cpu=cpu)
        self.report.scenarios.append(scenario)
        print(
            f"  {name}: {result.requests_per_sec:,.0f} req/s, p99 {result.p99_ms:.1f} ms, "
            f"{result.errors} errors",
            flush=True,
        )
        return scenario

    async def open_sessions(self, signer: AccessTokens) -> list[str]:
        """A new session per connection of a load, each with an access token of `signer`."""
        return await open_access_sessions(
            pool=self.pool, users=self.users, count=self.config.concurrency, access_tokens=signer
        )

    async def refresh_tokens(self) -> list[str]:
        # Spares beyond one per connection: a failed request drops its chain.
        count = self.config.concurrency * 2
        return await open_refresh_sessions(
            pool=self.pool, users=self.users, count=count, secret=self.secret
        )

    def server_env(self, url: URL) -> dict[str, str]:
        """The environment of a server of the service on the database at `url`."""
        return {
            **os.environ,
            "ENVIRONMENT": "production",
            "DATABASE__URL": url.render_as_string(hide_password=False),
            "SECURITY__JWT_SECRET_KEY": self.secret,
            "SECURITY__DATA_ENCRYPTION_KEY": secrets.token_hex(32),
            # Production requires an SMTP server for password recovery, and a
            # token for /metrics: the bench uses neither.
            "RECOVERY__ENABLED": "false",
            # The bench runs its purges itself (storage, the soak), at known times.
            "HOUSEKEEPING__ENABLED": "false",
            "METRICS__BEARER_TOKEN": secrets.token_hex(32),
            # The access log is off, as the issue asks: the app's per-request
            # log line is INFO, so WARNING keeps it quiet (security events
            # still log).
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            # Every virtual client comes from 127.0.0.1: the per-address limit
            # would turn the login and registration floods into 429s. The
            # throttle still runs (its check costs one round trip per attempt).
            "THROTTLE__REQUESTS_PER_ADDRESS": os.environ.get(
                "THROTTLE__REQUESTS_PER_ADDRESS", "1000000000"
            ),
        }


@asynccontextmanager
async def prepared_bench(
    config: BenchConfig, runner: Runner, report: Report, database: str = DATABASE_NAME
) -> AsyncIterator[Bench]:
    """A fresh database `database`, seeded with USERS users and an access token per connection."""
    settings = get_settings()
    url = await recreate_database(await resolve_database_url(settings), database)
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
    async with bench_pool(url) as pool:
        users = await seed_users(pool=pool, count=config.users, password_hash=password_hash)
        tokens = await open_access_sessions(
            pool=pool, users=users, count=config.concurrency, access_tokens=signer
        )
        yield Bench(
            config=config,
            settings=settings,
            runner=runner,
            report=report,
            url=url,
            pool=pool,
            users=users,
            access_tokens=tokens,
            signer=signer,
            secret=secret,
            password_hash=password_hash,
        )
