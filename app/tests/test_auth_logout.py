"""POST /auth/logout and POST /auth/logout-all."""

import httpx
import pytest
from fastapi import FastAPI

from app.tests.factories import (
    assert_session_revoked,
    bearer,
    login,
    logout,
    refresh,
    register_and_login,
    session_works,
    url,
)


async def test_logout_gives_204_and_revokes_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await logout(client, app, tokens["refresh_token"])
    assert response.status_code == 204
    assert response.content == b""
    await assert_session_revoked(client, app, tokens)


async def test_logout_with_spent_token_revokes_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh(client, app, tokens["refresh_token"])).json()
    assert (await logout(client, app, tokens["refresh_token"])).status_code == 204
    await assert_session_revoked(client, app, rotated)


async def test_logout_leaves_other_sessions_alone(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    other = await login(client, app, email=account.email)
    await logout(client, app, tokens["refresh_token"])
    assert await session_works(client, app, other)


async def test_logout_with_unknown_token_gives_204(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await logout(client, app, "no-such-token")).status_code == 204


async def test_logout_twice_gives_204(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    await logout(client, app, tokens["refresh_token"])
    assert (await logout(client, app, tokens["refresh_token"])).status_code == 204


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": None}, {"refresh_token": ["x"]}, {"token": "x"}, "x"]
)
async def test_logout_with_malformed_body_gives_422(
    client: httpx.AsyncClient, app: FastAPI, body: object
) -> None:
    response = await client.post(url(app, "logout"), json=body)
    assert response.status_code == 422


async def test_logout_all_revokes_every_session_at_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account, first = await register_and_login(client, app)
    second = await login(client, app, email=account.email)
    response = await client.post(url(app, "logout_all"), headers=bearer(first))
    assert response.status_code == 204
    await assert_session_revoked(client, app, first)
    await assert_session_revoked(client, app, second)


async def test_logout_all_leaves_other_users_alone(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, mine = await register_and_login(client, app)
    _, theirs = await register_and_login(client, app)
    await client.post(url(app, "logout_all"), headers=bearer(mine))
    assert await session_works(client, app, theirs)


async def test_logout_all_without_token_gives_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(url(app, "logout_all"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
