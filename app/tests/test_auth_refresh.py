"""POST /auth/refresh-token: rotation with reuse detection (RFC 9700)."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.core.config import Settings
from app.tests.apps import client_of, running_app
from app.tests.factories import (
    assert_session_revoked,
    bearer,
    claims_of,
    login,
    read_me,
    refresh,
    register_and_login,
    session_works,
    url,
    wait_for_lock_waiter,
)

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


@pytest.fixture(scope="module")
async def strict_app(make_settings: Callable[..., Settings]) -> AsyncIterator[FastAPI]:
    """Reuse grace period 0: any replay of a spent token is theft."""
    async with running_app(make_settings(refresh_reuse_grace_secs=0)) as application:
        yield application


async def test_refresh_returns_new_tokens_in_the_same_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    before = int(time.time())
    response = await refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["token_type"] == "bearer"
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["expires_at"] == claims_of(rotated)["exp"]
    assert rotated["refresh_token_expires_at"] >= before + 28 * 24 * 3600
    assert claims_of(rotated)["sid"] == claims_of(tokens)["sid"]
    assert claims_of(rotated)["jti"] != claims_of(tokens)["jti"]
    assert await session_works(client, app, rotated)


async def test_refresh_moves_the_session_to_its_next_generation(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    await refresh(client, app, tokens["refresh_token"])
    assert await db.fetchval("SELECT generation FROM user_sessions") == 1


async def test_spent_token_gives_400_invalid_grant(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200
    response = await refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_replay_within_grace_period_keeps_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh(client, app, tokens["refresh_token"])).json()
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400
    assert await session_works(client, app, rotated)
    assert (await refresh(client, app, rotated["refresh_token"])).status_code == 200


async def test_replay_after_grace_period_revokes_the_session(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh(client, app, tokens["refresh_token"])).json()
    await db.execute("UPDATE user_sessions SET rotated_at = rotated_at - interval '11 seconds'")
    response = await refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    await assert_session_revoked(client, app, rotated)
    assert (await read_me(client, app, tokens)).status_code == 401


async def test_replay_after_grace_period_leaves_other_sessions_alone(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    other = await login(client, app, email=account.email)
    await refresh(client, app, tokens["refresh_token"])
    await db.execute("UPDATE user_sessions SET rotated_at = rotated_at - interval '1 minute'")
    await refresh(client, app, tokens["refresh_token"])
    assert await session_works(client, app, other)


async def test_replay_with_zero_grace_period_revokes_the_session(
    strict_app: FastAPI, db: asyncpg.Connection
) -> None:
    async with client_of(strict_app) as strict_client:
        _, tokens = await register_and_login(strict_client, strict_app)
        rotated = (await refresh(strict_client, strict_app, tokens["refresh_token"])).json()
        assert (
            await refresh(strict_client, strict_app, tokens["refresh_token"])
        ).status_code == 400
        await assert_session_revoked(strict_client, strict_app, rotated)


async def test_concurrent_refreshes_of_one_token_let_exactly_one_win(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    responses = await asyncio.gather(
        *(refresh(client, app, tokens["refresh_token"]) for _ in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [400] * 19
    winner = next(response.json() for response in responses if response.status_code == 200)
    assert await session_works(client, app, winner)
    assert (await refresh(client, app, winner["refresh_token"])).status_code == 200


async def test_expired_token_gives_400(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    await db.execute("UPDATE user_sessions SET refresh_expires_at = now() - interval '1 second'")
    response = await refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


@pytest.mark.parametrize("token", ["unknown-token", "x" * 1024, "\U0001f600"])
async def test_unknown_token_gives_400(client: httpx.AsyncClient, app: FastAPI, token: str) -> None:
    response = await refresh(client, app, token)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_token_of_revoked_session_gives_400(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    assert (await client.post(url(app, "logout_all"), headers=bearer(tokens))).status_code == 204
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400


async def test_token_of_inactive_user_gives_400(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400


async def test_token_of_deleted_user_gives_400(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    deleted = await client.delete(url(app, "delete_current_user"), headers=bearer(tokens))
    assert deleted.status_code == 204
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400


async def test_refresh_does_not_cut_short_earlier_access_tokens(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    await refresh(client, app, tokens["refresh_token"])
    assert await session_works(client, app, tokens)


async def test_account_deleted_during_refresh_gives_400(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    session_id = uuid.UUID(claims_of(tokens)["sid"])
    # Force the interleaving in which the refresh has claimed its token and
    # waits to link a successor to the session while the deletion waits for
    # that token: a deadlock, which PostgreSQL breaks by failing the refresh.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        refreshing = asyncio.create_task(refresh(client, app, tokens["refresh_token"]))
        await wait_for_lock_waiter(db)
        await db.execute("DELETE FROM users WHERE email = $1", account.email)
    finally:
        await transaction.commit()
    response = await refreshing
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


@pytest.mark.parametrize("body", [{}, {"refresh_token": 5}, {"refresh_token": "x" * 1025}, []])
async def test_malformed_body_gives_422(
    client: httpx.AsyncClient, app: FastAPI, body: object
) -> None:
    response = await client.post(url(app, "refresh_token"), json=body)
    assert response.status_code == 422
