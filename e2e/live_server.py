"""A real server for the browser test and the fuzzer.

`uvicorn app.main:app` in a subprocess on a free port, against a fresh
database built by the migrations and dropped afterwards, so that neither run
sees nor leaves data of another. The database server is the one
`DATABASE__URL` names, or the embedded one (started by this process, which
keeps it running while the server uses it).
"""

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncpg
import httpx
from sqlalchemy import URL

from app.core.config import Settings
from app.core.database import asyncpg_dsn, resolve_database_url
from app.core.migrations import upgrade_database

STARTUP_TIMEOUT_SECS = 60.0
STOP_TIMEOUT_SECS = 10.0
# Argon2id at its cheapest: these runs exercise the HTTP contract and the
# docs page, not the hashing cost, and the fuzzer logs in many times.
CHEAP_HASHING_ENV = {
    "SECURITY__PASSWORD_HASH_MEMORY_KIB": "64",
    "SECURITY__PASSWORD_HASH_TIME_COST": "1",
}


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    # In a thread of its own: Playwright's sync API keeps an event loop
    # running in the caller's thread, where `asyncio.run` is refused.
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


async def _execute_on_server(*, server_url: URL, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _create_migrated_database(*, server_url: URL, name: str) -> URL:
    await _execute_on_server(server_url=server_url, statement=f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name)
    await upgrade_database(url)
    return url


@contextmanager
def fresh_database() -> Iterator[URL]:
    """A new database at the latest migration, dropped on exit."""
    server_url = _run(resolve_database_url(Settings()))
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    try:
        yield _run(_create_migrated_database(server_url=server_url, name=name))
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        _run(_execute_on_server(server_url=server_url, statement=drop))


def free_port() -> int:
    # The port could be taken between here and uvicorn's bind; on a test
    # machine that race is rare enough, and the start would fail loudly.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} on start")
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready within {STARTUP_TIMEOUT_SECS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def live_server(
    *, database_url: URL, host_name: str = "127.0.0.1", extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and a free port; yields its base URL, which is also its
    PUBLIC_URL (the links it mails open its own pages) and names the server `host_name`
    (`localhost` for WebAuthn, which takes no IP address); `extra_env` adds settings
    (`{"SECURITY__...": ...}`)."""
    port = free_port()
    base_url = f"http://{host_name}:{port}"
    with tempfile.TemporaryDirectory(prefix="e2e-data-") as data_dir:
        env = {
            **os.environ,
            **CHEAP_HASHING_ENV,
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            "DATA_DIR": data_dir,
            "DATABASE__URL": database_url.render_as_string(hide_password=False),
            "SECURITY__JWT_SECRET_KEY": secrets.token_urlsafe(32),
            # The fuzzer and its auth hook send thousands of logins and
            # registrations from one address; the throttle must not stop them.
            "THROTTLE__REQUESTS_PER_ADDRESS": "1000000",
            "PUBLIC_URL": base_url,
            **(extra_env or {}),
        }
        command = [sys.executable, "-m", "uvicorn", "app.main:app"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        process = subprocess.Popen(command, env=env)
        try:
            _wait_until_ready(process, base_url)
            yield base_url
        finally:
            _stop(process)
