"""Faults, on a real server process whose database sits behind a TCP proxy the test controls."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.tests.api_client import Api
from app.tests.servers import ServerProcess, run_server, server_env
from app.tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.usefixtures("db")

# What "quickly" means for a client while the database is away, and how soon
# service must come back by itself once it returns.
MAX_SECS_TO_503 = 5.0
MAX_SECS_TO_RECOVER = 10.0


@pytest.fixture
async def proxy(database_url: URL) -> AsyncIterator[TcpProxy]:
    tcp_proxy = TcpProxy(database_url)
    await tcp_proxy.start()
    yield tcp_proxy
    tcp_proxy.release()
    await tcp_proxy.stop()


@pytest.fixture
async def server(
    proxy: TcpProxy, database_url: URL, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    env = server_env(proxy.url_for(database_url), tmp_path)
    async with run_server(env, tmp_path) as process:
        yield process


async def timed(
    request: asyncio.Future[httpx.Response] | asyncio.Task[httpx.Response],
) -> tuple[int, float]:
    started = time.monotonic()
    response = await request
    return response.status_code, time.monotonic() - started


async def test_database_outage_answers_503_quickly_and_service_recovers_by_itself(
    server: ServerProcess, proxy: TcpProxy, app: FastAPI
) -> None:
    async with Api.remote(server.base_url, app, timeout_secs=30) as api:
        user = await api.new_user()

        proxy.hold()
        in_flight = [asyncio.create_task(user.me()) for _ in range(5)]
        await asyncio.sleep(0.5)
        stopped_at = time.monotonic()
        await proxy.stop()
        answers = [await request for request in in_flight]
        in_flight_secs = time.monotonic() - stopped_at

        during = [
            await timed(asyncio.ensure_future(user.me())),
            await timed(asyncio.ensure_future(user.copy().login())),
        ]
        ready = await api.ready()

        proxy.release()
        await proxy.start()
        restarted_at = time.monotonic()
        while (await user.me()).status_code != 200:
            assert time.monotonic() - restarted_at < MAX_SECS_TO_RECOVER
            await asyncio.sleep(0.05)
        recovery_secs = time.monotonic() - restarted_at

    print(
        f"in flight: 503 after {in_flight_secs:.3f} s; during the outage: "
        f"{[f'{status} in {secs:.3f} s' for status, secs in during]}; "
        f"recovered {recovery_secs:.3f} s after the database came back"
    )
    assert {answer.status_code for answer in answers} == {503}
    assert in_flight_secs < MAX_SECS_TO_503
    assert [status for status, _ in during] == [503, 503]
    assert max(secs for _, secs in during) < MAX_SECS_TO_503
    assert ready.status_code == 503


async def test_sigterm_lets_the_request_in_flight_finish(
    server: ServerProcess, proxy: TcpProxy, app: FastAPI
) -> None:
    async with Api.remote(server.base_url, app, timeout_secs=30) as api:
        await api.register()
        proxy.hold()
        login_request = asyncio.create_task(api.login())
        await asyncio.sleep(0.5)

        server.terminate()
        await asyncio.sleep(1.0)
        still_running = server.process.returncode is None
        proxy.release()
        response = await login_request

    assert still_running
    assert response.status_code == 200
    assert await server.exit_code() == 0


async def test_database_that_stops_answering_gives_503_after_the_statement_timeout(
    proxy: TcpProxy, database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    env = server_env(proxy.url_for(database_url), tmp_path, DATABASE__STATEMENT_TIMEOUT_MS="500")
    async with (
        run_server(env, tmp_path) as server,
        Api.remote(server.base_url, app, timeout_secs=30) as api,
    ):
        user = await api.new_user()

        proxy.hold()  # the socket stays open, no answer comes: a network partition
        status, secs = await timed(asyncio.ensure_future(user.me()))
        proxy.release()
        recovered = await user.me()

    print(f"no answer: {status} in {secs:.3f} s")
    assert status == 503
    assert secs < MAX_SECS_TO_503
    assert recovered.status_code == 200
