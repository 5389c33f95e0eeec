"""Two real server processes on one database: sessions and throttling are shared state."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.tests.factories import DEFAULT_PASSWORD, bearer, login, register, url
from app.tests.servers import run_server, server_env

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
async def replicas(
    database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    log_dir = tmp_path_factory.mktemp("replicas")
    env = server_env(database_url, log_dir)
    async with (
        run_server(env, log_dir) as a,
        run_server(env, log_dir) as b,
        httpx.AsyncClient(base_url=a.base_url) as client_a,
        httpx.AsyncClient(base_url=b.base_url) as client_b,
    ):
        yield client_a, client_b


async def test_refresh_token_replayed_on_other_replica_revokes_session_on_both(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient], app: FastAPI
) -> None:
    a, b = replicas
    account = await register(a, app)
    first = await login(a, app, email=account.email)
    rotated = await a.post(
        url(app, "refresh_token"), json={"refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200
    second = rotated.json()

    replay = await b.post(url(app, "refresh_token"), json={"refresh_token": first["refresh_token"]})

    assert replay.status_code == 400
    for replica in (a, b):
        me = await replica.get(url(app, "read_current_user"), headers=bearer(second))
        assert me.status_code == 401
    refresh = await a.post(
        url(app, "refresh_token"), json={"refresh_token": second["refresh_token"]}
    )
    assert refresh.status_code == 400


async def test_logout_on_one_replica_rejects_access_token_on_other(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient], app: FastAPI
) -> None:
    a, b = replicas
    account = await register(a, app)
    tokens = await login(a, app, email=account.email)
    assert (await b.get(url(app, "read_current_user"), headers=bearer(tokens))).status_code == 200

    logout = await a.post(url(app, "logout"), json={"refresh_token": tokens["refresh_token"]})

    assert logout.status_code == 204
    assert (await b.get(url(app, "read_current_user"), headers=bearer(tokens))).status_code == 401


async def test_login_failures_on_both_replicas_count_towards_one_limit(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient], app: FastAPI
) -> None:
    a, b = replicas
    account = await register(a, app)
    wrong = {"username": account.email, "password": "not " + DEFAULT_PASSWORD}
    statuses = [
        (await replica.post(url(app, "login_access_token"), data=wrong)).status_code
        for replica in (a, b, a, b, a)
    ]
    assert statuses == [400] * 5

    throttled = await b.post(
        url(app, "login_access_token"),
        data={"username": account.email, "password": DEFAULT_PASSWORD},
    )

    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
