"""Two real server processes on one database: sessions and throttling are shared state."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import URL

from app.tests.api_client import DEFAULT_PASSWORD, Api
from app.tests.servers import run_server, server_env

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
async def replicas(
    database_url: URL, tmp_path_factory: pytest.TempPathFactory, app: FastAPI
) -> AsyncIterator[tuple[Api, Api]]:
    """Anonymous clients of two server processes on one database."""
    log_dir = tmp_path_factory.mktemp("replicas")
    env = server_env(database_url, log_dir)
    async with (
        run_server(env, log_dir) as a,
        run_server(env, log_dir) as b,
        Api.remote(a.base_url, app) as client_a,
        Api.remote(b.base_url, app) as client_b,
    ):
        yield client_a, client_b


async def test_refresh_token_replayed_on_other_replica_revokes_session_on_both(
    replicas: tuple[Api, Api],
) -> None:
    a, b = replicas
    user = await a.new_user()
    before = user.copy()
    assert (await user.refresh()).status_code == 200

    replay = await before.via(b).refresh()

    assert replay.status_code == 400
    for replica in (a, b):
        assert (await user.via(replica).me()).status_code == 401
    assert (await user.refresh()).status_code == 400


async def test_logout_on_one_replica_rejects_access_token_on_other(
    replicas: tuple[Api, Api],
) -> None:
    a, b = replicas
    user = await a.new_user()
    assert (await user.via(b).me()).status_code == 200

    logout = await user.logout()

    assert logout.status_code == 204
    assert (await user.via(b).me()).status_code == 401


async def test_login_failures_on_both_replicas_count_towards_one_limit(
    replicas: tuple[Api, Api],
) -> None:
    a, b = replicas
    user = a.anonymous()
    await user.register()
    wrong = "not " + DEFAULT_PASSWORD
    statuses = [
        (await user.via(replica).login(password=wrong)).status_code for replica in (a, b, a, b, a)
    ]
    assert statuses == [400] * 5

    throttled = await user.via(b).login()

    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
