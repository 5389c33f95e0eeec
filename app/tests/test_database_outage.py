"""While the database is unreachable: 503 with a `detail`, quickly, never 500; then recovery.

The application reaches the database through a TCP proxy that the test stops
(listening socket and open connections closed) and starts again; the same
application must recover without a restart.
"""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import URL

from app.tests.api_client import DEFAULT_PASSWORD, Api, ApiFactory, messages
from app.tests.tcp_proxy import TcpProxy

# Connection refused is immediate; this bounds everything else (pool waits).
QUICKLY_SECS = 3.0


@dataclass
class Outage:
    proxy: TcpProxy
    user: Api


@pytest.fixture
async def outage(make_api: ApiFactory, server_url: URL, database_url: URL) -> AsyncIterator[Outage]:
    """A user of an app whose database connections go through `proxy`."""
    proxy = TcpProxy(server_url)
    await proxy.start()
    database = {"url": proxy.url_for(database_url), "connect_timeout_secs": 2.0}
    async with make_api(database=database) as api:
        yield Outage(proxy, await api.new_user())
        await proxy.stop()


async def read_me(user: Api) -> httpx.Response:
    return await user.me()


async def register(user: Api) -> httpx.Response:
    return await user.anonymous().register()


async def log_in(user: Api) -> httpx.Response:
    return await user.login()


async def logout(user: Api) -> httpx.Response:
    return await user.logout()


async def change_password(user: Api) -> httpx.Response:
    return await user.change_password(DEFAULT_PASSWORD)


CALLS: dict[str, tuple[Callable[[Api], Awaitable[httpx.Response]], int]] = {
    "read_me": (read_me, 200),
    "register": (register, 201),
    "login": (log_in, 200),
    "logout": (logout, 204),
    "change_password": (change_password, 204),
}


@pytest.mark.parametrize(("call", "ok"), CALLS.values(), ids=CALLS.keys())
async def test_request_gets_503_during_outage_and_recovers(
    outage: Outage, call: Callable[[Api], Awaitable[httpx.Response]], ok: int
) -> None:
    await outage.proxy.stop()
    started = time.monotonic()
    response = await call(outage.user)
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    await outage.proxy.start()
    assert (await call(outage.user)).status_code == ok


async def test_refresh_gets_503_during_outage_and_recovers(outage: Outage) -> None:
    spare = await outage.user.new_session()
    await outage.proxy.stop()
    started = time.monotonic()
    response = await outage.user.refresh()
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    await outage.proxy.start()
    assert (await spare.refresh()).status_code == 200


async def test_ready_gets_503_during_outage_and_recovers(outage: Outage) -> None:
    await outage.proxy.stop()
    started = time.monotonic()
    response = await outage.user.ready()
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    await outage.proxy.start()
    assert (await outage.user.ready()).json() == {"status": "ok"}


async def test_service_starts_while_the_database_is_down(
    make_api: ApiFactory, server_url: URL, database_url: URL
) -> None:
    proxy = TcpProxy(server_url)
    await proxy.start()
    await proxy.stop()
    async with make_api(database={"url": proxy.url_for(database_url)}) as api:
        assert (await api.ready()).status_code == 503
        await proxy.start()
        assert (await api.ready()).status_code == 200
        await proxy.stop()
