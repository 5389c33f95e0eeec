"""While the database is unreachable: 503 with a `detail`, quickly, never 500; then recovery.

The application reaches the database through a TCP proxy that the test stops
(listening socket and open connections closed) and starts again; the same
application must recover without a restart.
"""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.core import messages
from app.core.config import Settings
from app.tests.apps import client_of, running_app
from app.tests.factories import (
    bearer,
    login,
    new_email,
    register_and_login,
    url,
)
from app.tests.tcp_proxy import TcpProxy

# Connection refused is immediate; this bounds everything else (pool waits).
QUICKLY_SECS = 3.0


@dataclass
class Outage:
    proxy: TcpProxy
    app: FastAPI
    client: httpx.AsyncClient
    tokens: dict[str, Any]
    email: str


@pytest.fixture
async def outage(
    make_settings: Callable[..., Settings],
    server_url: URL,
    database_url: URL,
    db: asyncpg.Connection,
) -> AsyncIterator[Outage]:
    proxy = TcpProxy(server_url)
    await proxy.start()
    settings = make_settings(database=proxy.url_for(database_url))
    settings.database.connect_timeout_secs = 2.0
    async with running_app(settings) as application, client_of(application) as client:
        account, tokens = await register_and_login(client, application)
        yield Outage(proxy, application, client, tokens, account.email)
        await proxy.stop()


Call = Callable[[Outage], Awaitable[httpx.Response]]


async def read_me(o: Outage) -> httpx.Response:
    return await o.client.get(url(o.app, "read_current_user"), headers=bearer(o.tokens))


async def register(o: Outage) -> httpx.Response:
    return await o.client.post(
        url(o.app, "register_new_user"),
        json={"email": new_email(), "password": "a fine passphrase"},
    )


async def log_in(o: Outage) -> httpx.Response:
    return await o.client.post(
        url(o.app, "login_access_token"),
        data={"username": o.email, "password": "correct horse battery staple"},
    )


async def logout(o: Outage) -> httpx.Response:
    return await o.client.post(
        url(o.app, "logout"), json={"refresh_token": o.tokens["refresh_token"]}
    )


async def change_password(o: Outage) -> httpx.Response:
    return await o.client.put(
        url(o.app, "change_current_user_password"),
        json={
            "current_password": "correct horse battery staple",
            "new_password": "correct horse battery staple",
        },
        headers=bearer(o.tokens),
    )


CALLS: dict[str, tuple[Call, int]] = {
    "read_me": (read_me, 200),
    "register": (register, 201),
    "login": (log_in, 200),
    "logout": (logout, 204),
    "change_password": (change_password, 204),
}


@pytest.mark.parametrize(("call", "ok"), CALLS.values(), ids=CALLS.keys())
async def test_request_gets_503_during_outage_and_recovers(
    outage: Outage, call: Call, ok: int
) -> None:
    await outage.proxy.stop()
    started = time.monotonic()
    response = await call(outage)
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    await outage.proxy.start()
    assert (await call(outage)).status_code == ok


async def test_refresh_gets_503_during_outage_and_recovers(outage: Outage) -> None:
    spare = await login(outage.client, outage.app, email=outage.email)
    await outage.proxy.stop()
    refresh_url = url(outage.app, "refresh_token")
    started = time.monotonic()
    response = await outage.client.post(
        refresh_url, json={"refresh_token": outage.tokens["refresh_token"]}
    )
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"detail": messages.DATABASE_UNAVAILABLE}
    await outage.proxy.start()
    response = await outage.client.post(refresh_url, json={"refresh_token": spare["refresh_token"]})
    assert response.status_code == 200


async def test_ready_gets_503_during_outage_and_recovers(outage: Outage) -> None:
    ready_url = url(outage.app, "ready")
    await outage.proxy.stop()
    started = time.monotonic()
    response = await outage.client.get(ready_url)
    assert time.monotonic() - started < QUICKLY_SECS
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    await outage.proxy.start()
    assert (await outage.client.get(ready_url)).json() == {"status": "ok"}


async def test_service_starts_while_the_database_is_down(
    make_settings: Callable[..., Settings], server_url: URL, database_url: URL
) -> None:
    proxy = TcpProxy(server_url)
    await proxy.start()
    await proxy.stop()
    async with running_app(make_settings(database=proxy.url_for(database_url))) as application:
        async with client_of(application) as client:
            assert (await client.get(url(application, "ready"))).status_code == 503
            await proxy.start()
            assert (await client.get(url(application, "ready"))).status_code == 200
        await proxy.stop()
