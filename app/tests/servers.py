"""Real server processes for the replica and fault tests.

Each server is `python -m app serve` (so `app serve` itself is under test)
started with `sys.executable`, so that coverage's subprocess patch measures
it; it is stopped with SIGTERM, which uvicorn handles by exiting cleanly, so
that coverage writes its data.
"""

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import URL

from app.tests.conftest import CHEAP_HASHING, TEST_JWT_SECRET

START_TIMEOUT_SECS = 60.0
STOP_TIMEOUT_SECS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    process: asyncio.subprocess.Process
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    async def exit_code(self) -> int:
        async with asyncio.timeout(STOP_TIMEOUT_SECS):
            return await self.process.wait()


def server_env(database_url: URL, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server: the test database, cheap hashing, strict reuse."""
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(data_dir),
        "DATABASE__URL": database_url.render_as_string(hide_password=False),
        "SECURITY__JWT_SECRET_KEY": TEST_JWT_SECRET,
        "SECURITY__DATA_ENCRYPTION_KEY": TEST_JWT_SECRET,
        "SECURITY__REFRESH_REUSE_GRACE_SECS": "0",
        "SECURITY__ALLOWED_HOSTS": '["127.0.0.1"]',
    }
    env.update({f"SECURITY__{name.upper()}": str(value) for name, value in CHEAP_HASHING.items()})
    env.update(settings)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


async def _wait_until_live(server: ServerProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECS
    async with httpx.AsyncClient(base_url=server.base_url, timeout=1) as client:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise RuntimeError(f"server exited early:\n{server.log()}")
            try:
                if (await client.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{server.log()}")


@asynccontextmanager
async def run_server(
    env: dict[str, str], log_dir: Path, *args: str
) -> AsyncIterator[ServerProcess]:
    """A running `app serve` on a free port; SIGTERM and a clean exit at the end."""
    command = [sys.executable, "-m", "app", "serve", *args, "--port"]
    async with run_command(env, log_dir, lambda port: [*command, str(port)]) as server:
        yield server


@asynccontextmanager
async def run_command(
    env: dict[str, str], log_dir: Path, command: Callable[[int], list[str]]
) -> AsyncIterator[ServerProcess]:
    """A server started by `command(port)` on a free port; SIGTERM and a clean exit at the end."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command(port),
            env=env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log_path)
    try:
        await _wait_until_live(server)
        yield server
    finally:
        if server.process.returncode is None:
            server.terminate()
            try:
                await server.exit_code()
            except TimeoutError:
                server.process.kill()
                await server.process.wait()
