"""Review item 7: sessions have an absolute lifetime (SECURITY__SESSION_MAX_LIFETIME_SECS)."""

import time
from collections.abc import Callable

import asyncpg
import httpx
from fastapi import FastAPI

from app.core import messages
from app.core.config import Settings
from app.tests.apps import client_of, running_app
from app.tests.factories import refresh, register_and_login

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


async def test_session_past_its_absolute_lifetime_refuses_refresh(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    """Review item 7: a refresh token used regularly still dies with its session."""
    _, tokens = await register_and_login(client, app)
    await db.execute("UPDATE user_sessions SET expires_at = now() - interval '1 second'")
    response = await refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_refresh_tokens_never_outlive_the_session(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    settings = make_settings(session_max_lifetime_secs=60)
    async with running_app(settings) as application, client_of(application) as client:
        started = int(time.time())
        _, tokens = await register_and_login(client, application)
        rotated = (await refresh(client, application, tokens["refresh_token"])).json()
    assert tokens["refresh_token_expires_at"] <= started + 61
    assert rotated["refresh_token_expires_at"] <= started + 61


async def test_default_absolute_lifetime_is_90_days(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    await register_and_login(client, app)
    lifetime = await db.fetchval("SELECT expires_at - created_at FROM user_sessions")
    assert lifetime.days == 90
