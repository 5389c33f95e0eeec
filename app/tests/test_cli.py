"""The `app` command line: `app migrate` (in process) and `app serve` (a real server process)."""

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import URL
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from app.core.database import asyncpg_dsn
from app.tests.conftest import TEST_JWT_SECRET

APP_SCRIPT = Path(sys.executable).with_name("app")
SERVER_START_SECS = 30.0


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """`get_settings()` is cached per process: let the command read the test's environment."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def revision_of(url: URL) -> str | None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        revision: str | None = await connection.fetchval("SELECT version_num FROM alembic_version")
        return revision
    finally:
        await connection.close()


def rendered(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.mark.usefixtures("fresh_settings")
async def test_migrate_brings_an_empty_database_to_the_latest_revision(
    empty_database: Callable[[], Any],
) -> None:
    url: URL = await empty_database()
    environment = {"DATABASE__URL": rendered(url), "ENVIRONMENT": "test"}
    # In a thread: the command runs its own event loop, as from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["migrate"], env=environment)
    assert result.exit_code == 0, result.output
    assert "Migrations applied" in result.output
    assert await revision_of(url) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_live(base_url: str, server: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + SERVER_START_SECS
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            assert server.returncode is None, "the server exited"
            try:
                if (await client.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("the server did not start")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
async def test_serve_migrates_serves_and_stops_on_signal(
    empty_database: Callable[[], Any], tmp_path: Path, stop_signal: signal.Signals
) -> None:
    url: URL = await empty_database()
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE__URL": rendered(url),
        "SECURITY__JWT_SECRET_KEY": TEST_JWT_SECRET,
        "DATA_DIR": str(tmp_path),
    }
    server = await asyncio.create_subprocess_exec(
        str(APP_SCRIPT),
        *("serve", "--host", "127.0.0.1", "--port", str(port)),
        env=environment,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        await wait_until_live(base_url, server)
        async with httpx.AsyncClient(base_url=base_url) as client:
            ready = await client.get("/health/ready")
        assert ready.json() == {"status": "ok"}
        assert await revision_of(url) is not None
        server.send_signal(stop_signal)
        _, log = await asyncio.wait_for(server.communicate(), timeout=15)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.returncode in {0, -stop_signal}
        assert b"Application shutdown complete" in log
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
