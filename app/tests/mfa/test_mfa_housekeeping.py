"""`app purge` deletes expired pending TOTP secrets, `mfa_token`s and passkey challenges."""

import uuid

import asyncpg
from sqlalchemy import URL

from app.tests.api_client import Api
from app.tests.mfa.support import enable_totp, password_step, start_totp
from app.tests.passkeys.support import sign_in_options
from app.tests.test_housekeeping import _fresh_settings, count, run_purge  # noqa: F401 - autouse


async def test_expired_second_factor_rows_go_and_live_ones_stay(
    api: Api, db: asyncpg.Connection, database_url: URL
) -> None:
    enabled, pending, expired_user = [await api.new_user() for _ in range(3)]
    await enable_totp(enabled)
    await start_totp(pending)
    await start_totp(expired_user)
    await db.execute(
        "UPDATE totp_factors SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        uuid.UUID(expired_user.id),
    )
    live_token = await password_step(enabled)
    await password_step(enabled)
    await db.execute(
        "UPDATE mfa_login_attempts SET expires_at = now() - interval '1 second'"
        " WHERE token_hash <> sha256($1::bytea)",
        live_token.encode(),
    )
    await sign_in_options(api)
    await sign_in_options(api)
    await db.execute(
        "UPDATE webauthn_challenges SET expires_at = now() - interval '1 second'"
        " WHERE challenge_hash = (SELECT challenge_hash FROM webauthn_challenges LIMIT 1)"
    )

    output = await run_purge(database_url)

    assert output.endswith(", 1 pending TOTP secret, 1 MFA login attempt, 1 passkey challenge."), (
        output
    )
    assert await count(db, "totp_factors") == 2
    assert await count(db, "mfa_login_attempts") == 1
    assert await count(db, "webauthn_challenges") == 1
