"""POST /auth/access-token with grant_type=refresh_token: exactly like /auth/refresh-token."""

import asyncpg
import httpx
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import (
    assert_session_revoked,
    claims_of,
    post_token,
    refresh,
    register_and_login,
)


async def refresh_grant(
    client: httpx.AsyncClient, app: FastAPI, refresh_token: str
) -> httpx.Response:
    return await post_token(
        client, app, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def test_refresh_grant_rotates_within_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await refresh_grant(client, app, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["token_type"] == "bearer"
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert claims_of(rotated)["sid"] == claims_of(tokens)["sid"]
    assert rotated["expires_at"] == claims_of(rotated)["exp"]


async def test_refresh_grant_with_spent_token_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200
    response = await refresh_grant(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "detail": messages.INVALID_REFRESH_TOKEN,
        "error": "invalid_grant",
    }


async def test_refresh_grant_token_then_works_on_refresh_endpoint(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh_grant(client, app, tokens["refresh_token"])).json()
    assert (await refresh(client, app, rotated["refresh_token"])).status_code == 200


async def test_refresh_grant_replay_after_grace_period_revokes_the_session(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh_grant(client, app, tokens["refresh_token"])).json()
    await db.execute("UPDATE user_sessions SET rotated_at = rotated_at - interval '11 seconds'")
    assert (await refresh_grant(client, app, tokens["refresh_token"])).status_code == 400
    await assert_session_revoked(client, app, rotated)
