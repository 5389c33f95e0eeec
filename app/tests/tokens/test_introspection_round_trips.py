"""Introspecting an access token costs one database round trip, like GET /users/me."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import URL

from app.tests.api_client import Api, ApiFactory
from app.tests.tcp_proxy import TcpProxy
from app.tests.tokens.support import INTROSPECTION, introspect


@pytest.fixture
async def proxy(server_url: URL) -> AsyncIterator[TcpProxy]:
    tcp_proxy = TcpProxy(server_url)
    await tcp_proxy.start()
    yield tcp_proxy
    await tcp_proxy.stop()


async def round_trips(proxy: TcpProxy, call: Callable[[], Awaitable[httpx.Response]]) -> int:
    await call()  # the connection prepares its statements once
    before = proxy.round_trips
    response = await call()
    assert response.status_code == 200
    return proxy.round_trips - before


async def test_introspecting_an_access_token_costs_one_round_trip(
    make_api: ApiFactory, proxy: TcpProxy, database_url: URL
) -> None:
    # One connection: every call finds its statements prepared.
    database = {"url": proxy.url_for(database_url), "pool_size": 1}
    async with make_api(introspection=INTROSPECTION, database=database) as api:
        user: Api = await api.new_user()
        token = user.tokens["access_token"]
        assert await round_trips(proxy, user.me) == 1
        assert await round_trips(proxy, lambda: introspect(api, token)) == 1
