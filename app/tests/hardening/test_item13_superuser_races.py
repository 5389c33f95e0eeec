"""Review item 13: concurrent calls never leave the service without an active superuser.

Each test sends two requests at once, many times over, through the one
application and its connection pool, as two administrators would. The
refused call gets 409, or 403 (401 once its session is gone) when its own
caller lost the role meanwhile.
"""

import asyncio
from collections.abc import Coroutine
from typing import Any

import asyncpg
import httpx

from app.tests.api_client import Api, NewAdmin
from app.tests.hardening.superusers import active_superusers

ROUNDS = 15


async def race(
    first: Coroutine[Any, Any, httpx.Response], second: Coroutine[Any, Any, httpx.Response]
) -> list[int]:
    """The status codes of two requests sent at once, in ascending order."""
    responses = await asyncio.gather(first, second)
    return sorted(response.status_code for response in responses)


async def two_superusers(new_admin: NewAdmin, db: asyncpg.Connection) -> tuple[Api, Api]:
    """Two fresh superusers, and no other active one."""
    await db.execute("UPDATE users SET is_superuser = false")
    return await new_admin(), await new_admin()


async def test_two_superusers_demoting_each_other_at_once_leave_one(
    new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    first, second = await two_superusers(new_admin, db)
    for _ in range(ROUNDS):
        await db.execute("UPDATE users SET is_superuser = true")
        statuses = await race(
            first.patch_user(second.id, is_superuser=False),
            second.patch_user(first.id, is_superuser=False),
        )
        assert statuses in ([200, 403], [200, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deactivating_each_other_at_once_leave_one(
    new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(new_admin, db)
        statuses = await race(
            first.patch_user(second.id, is_active=False),
            second.patch_user(first.id, is_active=False),
        )
        assert statuses in ([200, 401], [200, 403], [200, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deleting_each_other_at_once_leave_one(
    new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(new_admin, db)
        statuses = await race(first.delete_user(second.id), second.delete_user(first.id))
        assert statuses in ([204, 401], [204, 403], [204, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deleting_themselves_at_once_leave_one(
    new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(new_admin, db)
        assert await race(first.delete_me(), second.delete_me()) == [204, 409]
        assert len(await active_superusers(db)) == 1


async def test_demotion_racing_the_targets_own_deletion_leaves_one(
    new_admin: NewAdmin, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(new_admin, db)
        statuses = await race(first.patch_user(second.id, is_superuser=False), second.delete_me())
        # Either order is allowed: demoted then deleted as a plain user, or
        # deleted first and the demotion finds no one (404).
        assert statuses in ([200, 204], [204, 404])
        assert len(await active_superusers(db)) == 1


async def test_admin_deletion_racing_a_refresh_never_fails_with_500(api: Api, admin: Api) -> None:
    for _ in range(ROUNDS):
        target = await api.new_user()
        responses = await asyncio.gather(admin.delete_user(target.id), target.refresh())
        assert responses[0].status_code == 204
        assert responses[1].status_code in {200, 400}
