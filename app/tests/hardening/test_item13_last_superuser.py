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

from app.core.superuser_guard import SUPERUSER_ROSTER_LOCK
from app.tests.api_client import Api, NewAdmin, messages
from app.tests.factories import deactivate
from app.tests.hardening.superusers import active_superusers
from app.tests.locks import wait_for_lock_waiter


async def test_last_active_superuser_cannot_delete_themself(
    admin: Api, db: asyncpg.Connection
) -> None:
    response = await admin.delete_me()
    assert response.status_code == 409
    assert response.json() == {"detail": messages.LAST_SUPERUSER}
    assert await active_superusers(db) == [uuid.UUID(admin.id)]


async def test_an_inactive_superuser_does_not_count(
    admin: Api, new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    other = await new_admin()
    await deactivate(db, other.id)
    assert (await admin.delete_me()).status_code == 409


async def test_superuser_may_delete_themself_while_another_remains(
    admin: Api, new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    other = await new_admin()
    assert (await admin.delete_me()).status_code == 204
    assert await active_superusers(db) == [uuid.UUID(other.id)]


async def test_superuser_may_demote_an_inactive_superuser(
    admin: Api, new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    other = await new_admin()
    await deactivate(db, other.id)
    response = await admin.patch_user(other.id, is_superuser=False)
    assert response.status_code == 200
    assert response.json()["is_superuser"] is False


async def test_user_may_delete_themself_when_there_is_no_superuser(user: Api) -> None:
    # A fresh deployment has no superuser yet: the rule keeps one, it makes none.
    assert (await user.delete_me()).status_code == 204


async def test_removal_is_checked_against_the_state_once_the_lock_is_held(
    admin: Api, new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    other = await new_admin()
    # A concurrent call holds the lock and demotes `other`; the deletion,
    # waiting behind it, must see that `admin` has become the last one.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT pg_advisory_xact_lock($1)", SUPERUSER_ROSTER_LOCK)
        deleting = asyncio.create_task(admin.delete_me())
        await wait_for_lock_waiter(db)
        await db.execute(
            "UPDATE users SET is_superuser = false WHERE user_id = $1", uuid.UUID(other.id)
        )
    finally:
        await transaction.commit()
    response = await deleting
    assert response.status_code == 409
    assert response.json() == {"detail": messages.LAST_SUPERUSER}
    assert await active_superusers(db) == [uuid.UUID(admin.id)]


async def test_caller_demoted_while_waiting_gets_403(
    admin: Api, new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    other = await new_admin()
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT pg_advisory_xact_lock($1)", SUPERUSER_ROSTER_LOCK)
        demoting = asyncio.create_task(admin.patch_user(other.id, is_superuser=False))
        await wait_for_lock_waiter(db)
        await db.execute(
            "UPDATE users SET is_superuser = false WHERE user_id = $1", uuid.UUID(admin.id)
        )
    finally:
        await transaction.commit()
    response = await demoting
    assert response.status_code == 403
    assert response.json() == {"detail": messages.SUPERUSER_REQUIRED}
    assert await active_superusers(db) == [uuid.UUID(other.id)]


async def test_admin_deletion_while_a_refresh_holds_the_token_succeeds(
    admin: Api, user: Api, db: asyncpg.Connection
) -> None:
    session_id = uuid.UUID(user.claims["sid"])
    # The connection plays a concurrent refresh, which holds its session's row.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        deleting = asyncio.create_task(admin.delete_user(user.id))
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    assert (await deleting).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM users") == 1
