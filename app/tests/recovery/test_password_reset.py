"""POST /auth/password-reset: a recovery token sets the password once, and ends every session."""

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import DEFAULT_PASSWORD, bearer, register, register_and_login, url
from app.tests.recovery.support import (
    NEW_PASSWORD,
    Inbox,
    login_status,
    recovery_token,
    request_recovery,
    reset,
)


async def test_reset_with_emailed_token_sets_the_new_password(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 204
    assert await login_status(mail_client, mail_app, account.email, NEW_PASSWORD) == 200
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 400


async def test_expired_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await db.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 400
    assert response.json() == {"detail": messages.INVALID_RESET_TOKEN}
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 200


async def test_spent_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    token = recovery_token(inbox.messages[0])
    assert (await reset(mail_client, mail_app, token)).status_code == 204
    again = await reset(mail_client, mail_app, token, password="yet another passphrase")
    assert again.status_code == 400
    assert await login_status(mail_client, mail_app, account.email, NEW_PASSWORD) == 200


async def test_newer_token_invalidates_the_older_one(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await request_recovery(mail_client, mail_app, account.email)
    older, newer = (recovery_token(message) for message in inbox.messages)
    assert (await reset(mail_client, mail_app, older)).status_code == 400
    assert (await reset(mail_client, mail_app, newer)).status_code == 204


async def test_reset_revokes_every_session(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account, tokens = await register_and_login(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    me = await mail_client.get(url(mail_app, "read_current_user"), headers=bearer(tokens))
    assert me.status_code == 401
    refreshed = await mail_client.post(
        url(mail_app, "refresh_token"), json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 400


async def test_reset_for_an_account_deactivated_meanwhile_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["unknown", "", "x" * 1024])
async def test_unknown_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, token: str
) -> None:
    response = await reset(mail_client, mail_app, token)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"token": "t", "new_password": "short"},
        {"token": "t", "new_password": "x" * 257},
        {"token": "t", "new_password": "password123"},
        {"token": "t"},
        {"token": "x" * 1025, "new_password": NEW_PASSWORD},
        {"token": 5, "new_password": NEW_PASSWORD},
        {"token": "\u0000", "new_password": NEW_PASSWORD},
    ],
    ids=["short", "long", "common", "missing", "long-token", "number", "nul"],
)
async def test_bad_reset_request_is_422(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, body: dict[str, Any]
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    response = await mail_client.post(
        url(mail_app, "reset_password"),
        json={**body, "token": recovery_token(inbox.messages[0])} if body["token"] == "t" else body,
    )
    assert response.status_code == 422
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 200
