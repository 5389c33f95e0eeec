"""Review item 7: sessions have an absolute lifetime (SECURITY__SESSION_MAX_LIFETIME_SECS)."""

import time

import asyncpg

from app.tests.api_client import Api, ApiFactory, messages

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


async def test_session_past_its_absolute_lifetime_refuses_refresh(
    user: Api, db: asyncpg.Connection
) -> None:
    """Review item 7: a refresh token used regularly still dies with its session."""
    await db.execute("UPDATE user_sessions SET expires_at = now() - interval '1 second'")
    response = await user.refresh()
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_refresh_tokens_never_outlive_the_session(make_api: ApiFactory) -> None:
    async with make_api(security={"session_max_lifetime_secs": 60}) as api:
        started = int(time.time())
        user = await api.new_user()
        first = user.tokens
        assert (await user.refresh()).status_code == 200
    assert first["refresh_token_expires_at"] <= started + 61
    assert user.tokens["refresh_token_expires_at"] <= started + 61


async def test_default_absolute_lifetime_is_90_days(user: Api, db: asyncpg.Connection) -> None:
    lifetime = await db.fetchval("SELECT expires_at - created_at FROM user_sessions")
    assert lifetime.days == 90
