"""Review item 13: no single call leaves the service without an active superuser.

A superuser cannot demote, deactivate or delete their own account through
`/users/{user_id}` (409 already), so in a single request only `DELETE
/users/me` can remove the last one. The races are in
`test_item13_superuser_races.py`; here are the single requests, and the
interleavings forced by holding the lock the check waits for.
"""

import asyncio
import uuid

import asyncpg
import httpx
from fastapi import FastAPI

from app.core import messages
from app.core.superuser_guard import SUPERUSER_ROSTER_LOCK
from app.tests.factories import (
    bearer,
    claims_of,
    register_and_login,
    url,
    wait_for_lock_waiter,
)
from app.tests.hardening.superusers import active_superusers, new_superuser


async def test_last_active_superuser_cannot_delete_themself(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    response = await admin.delete_me()
    assert response.status_code == 409
    assert response.json() == {"detail": messages.LAST_SUPERUSER}
    assert await active_superusers(db) == [uuid.UUID(admin.user_id)]


async def test_an_inactive_superuser_does_not_count(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    other = await new_superuser(client, app, db)
    await db.execute(
        "UPDATE users SET is_active = false WHERE user_id = $1", uuid.UUID(other.user_id)
    )
    assert (await admin.delete_me()).status_code == 409


async def test_superuser_may_delete_themself_while_another_remains(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    other = await new_superuser(client, app, db)
    assert (await admin.delete_me()).status_code == 204
    assert await active_superusers(db) == [uuid.UUID(other.user_id)]


async def test_superuser_may_demote_an_inactive_superuser(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    other = await new_superuser(client, app, db)
    await db.execute(
        "UPDATE users SET is_active = false WHERE user_id = $1", uuid.UUID(other.user_id)
    )
    response = await admin.patch_user(other, is_superuser=False)
    assert response.status_code == 200
    assert response.json()["is_superuser"] is False


async def test_user_may_delete_themself_when_there_is_no_superuser(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    # A fresh deployment has no superuser yet: the rule keeps one, it makes none.
    _, tokens = await register_and_login(client, app)
    response = await client.delete(url(app, "delete_current_user"), headers=bearer(tokens))
    assert response.status_code == 204


async def test_removal_is_checked_against_the_state_once_the_lock_is_held(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    other = await new_superuser(client, app, db)
    # A concurrent call holds the lock and demotes `other`; the deletion,
    # waiting behind it, must see that `admin` has become the last one.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT pg_advisory_xact_lock($1)", SUPERUSER_ROSTER_LOCK)
        deleting = asyncio.create_task(admin.delete_me())
        await wait_for_lock_waiter(db)
        await db.execute(
            "UPDATE users SET is_superuser = false WHERE user_id = $1", uuid.UUID(other.user_id)
        )
    finally:
        await transaction.commit()
    response = await deleting
    assert response.status_code == 409
    assert response.json() == {"detail": messages.LAST_SUPERUSER}
    assert await active_superusers(db) == [uuid.UUID(admin.user_id)]


async def test_caller_demoted_while_waiting_gets_403(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    other = await new_superuser(client, app, db)
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT pg_advisory_xact_lock($1)", SUPERUSER_ROSTER_LOCK)
        demoting = asyncio.create_task(admin.patch_user(other, is_superuser=False))
        await wait_for_lock_waiter(db)
        await db.execute(
            "UPDATE users SET is_superuser = false WHERE user_id = $1", uuid.UUID(admin.user_id)
        )
    finally:
        await transaction.commit()
    response = await demoting
    assert response.status_code == 403
    assert response.json() == {"detail": messages.SUPERUSER_REQUIRED}
    assert await active_superusers(db) == [uuid.UUID(other.user_id)]


async def test_admin_deletion_while_a_refresh_holds_the_token_succeeds(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    account, tokens = await register_and_login(client, app)
    session_id = uuid.UUID(claims_of(tokens)["sid"])
    # The connection plays a concurrent refresh, which holds its session's row.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        path = url(app, "delete_user", user_id=account.user["user_id"])
        deleting = asyncio.create_task(client.delete(path, headers=bearer(admin.tokens)))
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    assert (await deleting).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM users") == 1
