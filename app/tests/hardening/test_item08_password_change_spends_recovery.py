"""Review item 8: a password change leaves no recovery token working (PUT /users/me/password)."""

import hashlib
import uuid

import asyncpg

from app.tests.api_client import Api

RECOVERY_TOKEN = "a-recovery-token-" + "x" * 40


async def test_password_change_spends_outstanding_recovery_tokens(
    user: Api, db: asyncpg.Connection
) -> None:
    await db.execute(
        "INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)"
        " VALUES ($1, $2, now() + interval '1 hour')",
        hashlib.sha256(RECOVERY_TOKEN.encode()).digest(),
        uuid.UUID(user.id),
    )
    changed = await user.change_password("the owner's new passphrase")
    reset = await user.anonymous().reset_password(RECOVERY_TOKEN, "the attacker's passphrase")
    assert changed.status_code == 204
    assert reset.status_code == 400
