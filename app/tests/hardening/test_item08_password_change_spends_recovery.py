"""Review item 8: a password change leaves no recovery token working (PUT /users/me/password)."""

import hashlib
import uuid

import asyncpg
import httpx
from fastapi import FastAPI

from app.tests.factories import DEFAULT_PASSWORD, bearer, register_and_login, url

RECOVERY_TOKEN = "a-recovery-token-" + "x" * 40


async def test_password_change_spends_outstanding_recovery_tokens(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    await db.execute(
        "INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)"
        " VALUES ($1, $2, now() + interval '1 hour')",
        hashlib.sha256(RECOVERY_TOKEN.encode()).digest(),
        uuid.UUID(account.user["user_id"]),
    )
    changed = await client.put(
        url(app, "change_current_user_password"),
        json={"current_password": DEFAULT_PASSWORD, "new_password": "the owner's new passphrase"},
        headers=bearer(tokens),
    )
    reset = await client.post(
        url(app, "reset_password"),
        json={"token": RECOVERY_TOKEN, "new_password": "the attacker's passphrase"},
    )
    assert changed.status_code == 204
    assert reset.status_code == 400
