"""POST /auth/password-reset: a recovery token sets the password once, and ends every session."""

from typing import Any

import asyncpg
import pytest

from app.tests.api_client import DEFAULT_PASSWORD, NEW_PASSWORD, Api, messages
from app.tests.recovery.support import Inbox, recovery_token


async def test_reset_with_emailed_token_sets_the_new_password(user: Api, inbox: Inbox) -> None:
    await user.recover()
    response = await user.reset_password(recovery_token(inbox.messages[0]))
    assert response.status_code == 204
    assert (await user.login(password=NEW_PASSWORD)).status_code == 200
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'",
        "UPDATE users SET is_active = false",
    ],
    ids=["expired-token", "account-deactivated-meanwhile"],
)
async def test_reset_is_refused_and_leaves_the_password(
    user: Api, inbox: Inbox, db: asyncpg.Connection, change: str
) -> None:
    await user.recover()
    password_hash = await db.fetchval("SELECT password_hash FROM users")
    await db.execute(change)
    response = await user.reset_password(recovery_token(inbox.messages[0]))
    assert response.status_code == 400
    assert response.json() == {"detail": messages.INVALID_RESET_TOKEN}
    assert await db.fetchval("SELECT password_hash FROM users") == password_hash


async def test_spent_token_is_refused(user: Api, inbox: Inbox) -> None:
    await user.recover()
    token = recovery_token(inbox.messages[0])
    assert (await user.reset_password(token)).status_code == 204
    again = await user.reset_password(token, "yet another passphrase")
    assert again.status_code == 400
    assert (await user.login(password=NEW_PASSWORD)).status_code == 200


async def test_newer_token_invalidates_the_older_one(user: Api, inbox: Inbox) -> None:
    await user.recover()
    await user.recover()
    older, newer = (recovery_token(message) for message in inbox.messages)
    assert (await user.reset_password(older)).status_code == 400
    assert (await user.reset_password(newer)).status_code == 204


async def test_reset_revokes_every_session(user: Api, inbox: Inbox) -> None:
    await user.recover()
    await user.reset_password(recovery_token(inbox.messages[0]))
    assert await user.session_revoked()


@pytest.mark.parametrize("token", ["unknown", "", "x" * 1024])
async def test_unknown_token_is_refused(api: Api, token: str) -> None:
    response = await api.reset_password(token)
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
async def test_bad_reset_request_is_422(user: Api, inbox: Inbox, body: dict[str, Any]) -> None:
    await user.recover()
    # "t" stands for the token of the email, so that only the password is wrong.
    if body["token"] == "t":
        body = {**body, "token": recovery_token(inbox.messages[0])}
    response = await user.request("POST", "reset_password", json=body)
    assert response.status_code == 422
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 200
