"""`app purge`: which rows go and which stay, in batches, beside requests and other purges.

Ages are arranged with direct SQL, relative to the database's clock; the
command runs as from a shell (in a thread, with its own event loop).
"""

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.config import Security, get_settings
from app.core.housekeeping import HOUSEKEEPING_LOCK, MARGIN_SECS
from app.tests.api_client import Api
from app.tests.factories import new_email

REVOKED_WAIT = Security().refresh_reuse_grace_secs + MARGIN_SECS
ENDED_WAIT = Security().access_token_expire_secs + MARGIN_SECS
LATER = 3600.0
NOTHING = (
    "Purged: 0 sessions, 0 recovery tokens, 0 email tokens, 0 security events,"
    " 0 throttle counters, 0 pending TOTP secrets, 0 MFA login attempts,"
    " 0 passkey challenges."
)


def purged_counters(counters: str) -> str:
    kinds = "0 sessions, 0 recovery tokens, 0 email tokens, 0 security events"
    mfa = "0 pending TOTP secrets, 0 MFA login attempts, 0 passkey challenges"
    return f"Purged: {kinds}, {counters}, {mfa}."


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The command reads its settings from the environment each test sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def invoke_purge(database: URL, **settings: str) -> Result:
    env = {"DATABASE__URL": database.render_as_string(hide_password=False), **settings}
    return await asyncio.to_thread(CliRunner().invoke, cli, ["purge"], env=env)


async def run_purge(database: URL, **settings: str) -> str:
    result = await invoke_purge(database, **settings)
    assert result.exit_code == 0, result.output
    output: str = result.output
    return output.removesuffix("\n")


async def new_user(db: asyncpg.Connection) -> uuid.UUID:
    user_id = uuid.uuid4()
    email = new_email()
    await db.execute(
        "INSERT INTO users (user_id, email, email_canonical, password_hash)"
        " VALUES ($1, $2, $3, 'not a hash')",
        *(user_id, email, email),
    )
    return user_id


async def add_session(
    db: asyncpg.Connection,
    *,
    revoked_ago: float | None = None,
    refresh_ends_in: float = LATER,
    ends_in: float = 2 * LATER,
) -> uuid.UUID:
    """A session; a negative `..._in` is in the past."""
    session_id = uuid.uuid4()
    await db.execute(
        "INSERT INTO user_sessions"
        " (session_id, user_id, expires_at, refresh_expires_at, revoked_at)"
        " VALUES ($1, $2, now() + make_interval(secs => $3), now() + make_interval(secs => $4),"
        " now() - make_interval(secs => $5))",
        *(session_id, await new_user(db), ends_in, refresh_ends_in, revoked_ago),
    )
    return session_id


async def add_recovery_token(db: asyncpg.Connection, *, expires_in: float) -> bytes:
    token_hash = uuid.uuid4().bytes * 2
    await db.execute(
        "INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)"
        " VALUES ($1, $2, now() + make_interval(secs => $3))",
        *(token_hash, await new_user(db), expires_in),
    )
    return token_hash


async def add_throttle_counters(db: asyncpg.Connection, number: int, *, expires_in: float) -> None:
    await db.execute(
        "INSERT INTO throttle_counters (key, expires_at, count)"
        " SELECT 'test:' || gen_random_uuid(), now() + make_interval(secs => $2), 1"
        " FROM generate_series(1, $1)",
        number,
        expires_in,
    )


async def remaining(db: asyncpg.Connection, table: str, key: str, keys: list[Any]) -> set[Any]:
    rows = await db.fetch(f"SELECT {key} FROM {table} WHERE {key} = ANY($1)", keys)
    return {row[0] for row in rows}


async def sessions_left(db: asyncpg.Connection, *session_ids: uuid.UUID) -> set[uuid.UUID]:
    return await remaining(db, "user_sessions", "session_id", list(session_ids))


async def count(db: asyncpg.Connection, table: str, condition: str = "true") -> int:
    number: int = await db.fetchval(f"SELECT count(*) FROM {table} WHERE {condition}")
    return number


async def test_prints_one_line_with_the_count_of_each_kind(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_session(db, revoked_ago=LATER)
    await add_session(db, revoked_ago=LATER)
    await add_recovery_token(db, expires_in=-1)
    await add_throttle_counters(db, 1, expires_in=-1)

    output = await run_purge(database_url)

    assert output == (
        "Purged: 2 sessions, 1 recovery token, 0 email tokens, 0 security events,"
        " 1 throttle counter, 0 pending TOTP secrets, 0 MFA login attempts,"
        " 0 passkey challenges."
    )
    assert await run_purge(database_url) == NOTHING


async def test_revoked_sessions_go_after_the_reuse_grace_and_live_ones_stay(
    db: asyncpg.Connection, database_url: URL
) -> None:
    live = await add_session(db)
    just_revoked = await add_session(db, revoked_ago=REVOKED_WAIT - 10)
    revoked = await add_session(db, revoked_ago=REVOKED_WAIT + 10)

    await run_purge(database_url)

    assert await sessions_left(db, live, just_revoked, revoked) == {live, just_revoked}


async def test_ended_sessions_go_once_their_last_access_token_has_expired(
    db: asyncpg.Connection, database_url: URL
) -> None:
    refresh_just_ended = await add_session(db, refresh_ends_in=-(ENDED_WAIT - 10))
    refresh_ended = await add_session(db, refresh_ends_in=-(ENDED_WAIT + 10))
    session_ended = await add_session(db, ends_in=-(ENDED_WAIT + 10))

    await run_purge(database_url)

    assert await sessions_left(db, refresh_just_ended, refresh_ended, session_ended) == {
        refresh_just_ended
    }


async def test_a_session_stays_while_its_access_token_lives(
    user: Api, db: asyncpg.Connection, database_url: URL
) -> None:
    await db.execute("UPDATE user_sessions SET refresh_expires_at = now() - interval '1 minute'")

    await run_purge(database_url)

    assert await user.session_works()


async def test_a_purged_session_is_refused_as_its_revocation_was(
    user: Api, db: asyncpg.Connection, database_url: URL
) -> None:
    assert (await user.logout()).status_code == 204
    await db.execute("UPDATE user_sessions SET revoked_at = now() - interval '1 day'")

    output = await run_purge(database_url)

    assert output == (
        "Purged: 1 session, 0 recovery tokens, 0 email tokens, 0 security events,"
        " 0 throttle counters, 0 pending TOTP secrets, 0 MFA login attempts,"
        " 0 passkey challenges."
    )
    assert await count(db, "user_sessions") == 0
    assert await user.session_revoked()


async def test_expired_recovery_tokens_go_and_valid_ones_stay(
    db: asyncpg.Connection, database_url: URL
) -> None:
    valid = await add_recovery_token(db, expires_in=60)
    expired = await add_recovery_token(db, expires_in=-1)

    await run_purge(database_url)

    left = await remaining(db, "password_reset_tokens", "token_hash", [valid, expired])
    assert left == {valid}


async def test_expired_throttle_counters_go_in_batches_and_current_ones_stay(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_throttle_counters(db, 7, expires_in=-1)
    await add_throttle_counters(db, 4, expires_in=60)

    output = await run_purge(database_url, HOUSEKEEPING__BATCH_SIZE="2")

    assert output == purged_counters("7 throttle counters")
    assert await count(db, "throttle_counters", "expires_at <= now()") == 0
    assert await count(db, "throttle_counters") == 4


async def test_rows_a_request_holds_are_skipped_without_waiting(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_throttle_counters(db, 3, expires_in=-1)
    async with db.transaction():
        await db.execute("SELECT 1 FROM throttle_counters ORDER BY key LIMIT 1 FOR UPDATE")
        async with asyncio.timeout(30):
            output = await run_purge(database_url, HOUSEKEEPING__BATCH_SIZE="2")
        assert output == purged_counters("2 throttle counters")
    assert await run_purge(database_url) == purged_counters("1 throttle counter")


async def test_a_purge_leaves_the_work_to_one_in_progress(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_throttle_counters(db, 3, expires_in=-1)
    async with db.transaction():
        # What each batch of a running purge holds.
        await db.execute("SELECT pg_advisory_xact_lock($1)", HOUSEKEEPING_LOCK)
        output = await run_purge(database_url)
    assert output == f"{NOTHING} Another purge is running: it deletes the rest."
    assert await count(db, "throttle_counters") == 3


async def test_reports_a_database_without_migrations(empty_database: Callable[[], Any]) -> None:
    result = await invoke_purge(await empty_database())
    assert result.exit_code == 1
    assert result.output == "Error: the database has no tables yet; run `app migrate` first\n"


async def test_reports_an_unreachable_database(database_url: URL) -> None:
    result = await invoke_purge(database_url.set(host="127.0.0.1", port=1))
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot purge the database:")
