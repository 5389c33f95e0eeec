"""POST /auth/refresh-token, and the token endpoint's refresh grant that behaves exactly like it:
rotation with reuse detection (RFC 9700)."""

import asyncio
import time
import uuid

import asyncpg
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import deactivate
from app.tests.locks import wait_for_lock_waiter

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}
# Each of these runs against both ways to refresh.
BOTH_ENDPOINTS = pytest.mark.parametrize("grant", [False, True], ids=["endpoint", "grant"])


@BOTH_ENDPOINTS
async def test_refresh_returns_new_tokens_in_the_same_session(user: Api, grant: bool) -> None:
    before = user.copy()
    started = int(time.time())
    response = await user.refresh(grant=grant)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["token_type"] == "bearer"
    assert rotated["refresh_token"] != before.tokens["refresh_token"]
    assert rotated["expires_at"] == user.claims["exp"]
    assert rotated["refresh_token_expires_at"] >= started + 28 * 24 * 3600
    assert user.claims["sid"] == before.claims["sid"]
    assert user.claims["jti"] != before.claims["jti"]
    assert await user.session_works()


async def test_refresh_moves_the_session_to_its_next_generation(
    user: Api, db: asyncpg.Connection
) -> None:
    await user.refresh()
    assert await db.fetchval("SELECT generation FROM user_sessions") == 1


@BOTH_ENDPOINTS
async def test_spent_token_gives_400_invalid_grant(user: Api, grant: bool) -> None:
    spent = user.tokens["refresh_token"]
    assert (await user.refresh(grant=grant)).status_code == 200
    response = await user.refresh(spent, grant=grant)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_refresh_grant_token_then_works_on_refresh_endpoint(user: Api) -> None:
    assert (await user.refresh(grant=True)).status_code == 200
    assert (await user.refresh()).status_code == 200


async def test_replay_within_grace_period_keeps_the_session(user: Api) -> None:
    spent = user.tokens["refresh_token"]
    await user.refresh()
    assert (await user.refresh(spent)).status_code == 400
    assert await user.session_works()
    assert (await user.refresh()).status_code == 200


@BOTH_ENDPOINTS
async def test_replay_after_grace_period_revokes_the_session(
    user: Api, db: asyncpg.Connection, grant: bool
) -> None:
    before = user.copy()
    await user.refresh(grant=grant)
    await db.execute("UPDATE user_sessions SET rotated_at = rotated_at - interval '11 seconds'")
    response = await before.refresh(grant=grant)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    assert await user.session_revoked()
    assert (await before.me()).status_code == 401


async def test_replay_after_grace_period_leaves_other_sessions_alone(
    user: Api, db: asyncpg.Connection
) -> None:
    other = await user.new_session()
    spent = user.tokens["refresh_token"]
    await user.refresh()
    await db.execute("UPDATE user_sessions SET rotated_at = rotated_at - interval '1 minute'")
    await user.refresh(spent)
    assert await other.session_works()


async def test_replay_with_zero_grace_period_revokes_the_session(make_api: ApiFactory) -> None:
    async with make_api(security={"refresh_reuse_grace_secs": 0}) as api:
        user = await api.new_user()
        spent = user.tokens["refresh_token"]
        await user.refresh()
        assert (await user.refresh(spent)).status_code == 400
        assert await user.session_revoked()


async def test_concurrent_refreshes_of_one_token_let_exactly_one_win(user: Api) -> None:
    tabs = [user.copy() for _ in range(20)]
    responses = await asyncio.gather(*(tab.refresh() for tab in tabs))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [400] * 19
    [winner] = [tab for tab, response in zip(tabs, responses, strict=True) if response.is_success]
    assert await winner.session_works()
    assert (await winner.refresh()).status_code == 200


async def test_expired_token_gives_400(user: Api, db: asyncpg.Connection) -> None:
    await db.execute("UPDATE user_sessions SET refresh_expires_at = now() - interval '1 second'")
    response = await user.refresh()
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


@pytest.mark.parametrize("token", ["unknown-token", "x" * 1024, "\U0001f600"])
async def test_unknown_token_gives_400(api: Api, token: str) -> None:
    response = await api.refresh(token)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_token_of_revoked_session_gives_400(user: Api) -> None:
    assert (await user.logout_all()).status_code == 204
    assert (await user.refresh()).status_code == 400


async def test_token_of_inactive_user_gives_400(user: Api, db: asyncpg.Connection) -> None:
    await deactivate(db, user.id)
    assert (await user.refresh()).status_code == 400


async def test_token_of_deleted_user_gives_400(user: Api) -> None:
    assert (await user.delete_me()).status_code == 204
    assert (await user.refresh()).status_code == 400


async def test_refresh_does_not_cut_short_earlier_access_tokens(user: Api) -> None:
    before = user.copy()
    await user.refresh()
    assert await before.session_works()


async def test_account_deleted_during_refresh_gives_400(user: Api, db: asyncpg.Connection) -> None:
    session_id = uuid.UUID(user.claims["sid"])
    # Force the interleaving in which the refresh has claimed its token and
    # waits to link a successor to the session while the deletion waits for
    # that token: a deadlock, which PostgreSQL breaks by failing the refresh.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        refreshing = asyncio.create_task(user.refresh())
        await wait_for_lock_waiter(db)
        await db.execute("DELETE FROM users WHERE email = $1", user.email)
    finally:
        await transaction.commit()
    response = await refreshing
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


@pytest.mark.parametrize("body", [{}, {"refresh_token": 5}, {"refresh_token": "x" * 1025}, []])
async def test_malformed_body_gives_422(api: Api, body: object) -> None:
    response = await api.request("POST", "refresh_token", json=body)
    assert response.status_code == 422
