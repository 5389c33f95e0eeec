"""`app purge` also deletes expired email tokens and security events past their retention."""

import asyncpg
from sqlalchemy import URL

from app.core.config import get_settings
from app.tests.test_housekeeping import (  # noqa: F401 - the autouse fixture
    _fresh_settings,
    count,
    new_user,
    run_purge,
)


async def add_email_token(db: asyncpg.Connection, *, expires_in: float) -> None:
    await db.execute(
        "INSERT INTO email_tokens (token_hash, user_id, kind, expires_at)"
        " VALUES (gen_random_uuid()::text::bytea, $1, 'verify', now() + make_interval(secs => $2))",
        await new_user(db),
        expires_in,
    )


async def add_event(db: asyncpg.Connection, *, days_ago: float) -> None:
    await db.execute(
        "INSERT INTO security_events (user_id, type, at)"
        " VALUES ($1, 'login.succeeded', now() - make_interval(secs => $2))",
        await new_user(db),
        days_ago * 86400,
    )


async def test_expired_email_tokens_go_and_valid_ones_stay(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_email_token(db, expires_in=-1)
    await add_email_token(db, expires_in=60)
    output = await run_purge(database_url)
    assert "1 email token," in output
    assert await count(db, "email_tokens") == 1
    assert await count(db, "email_tokens", "expires_at > now()") == 1


async def test_events_go_after_the_retention_period(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_event(db, days_ago=366)
    await add_event(db, days_ago=364)
    assert "1 security event," in await run_purge(database_url)
    assert await count(db, "security_events") == 1
    get_settings.cache_clear()  # the command reads the new retention
    await run_purge(database_url, SECURITY__EVENT_RETENTION_DAYS="30")
    assert await count(db, "security_events") == 0
