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
from fastapi import FastAPI

from app.tests.factories import refresh, register_and_login
from app.tests.hardening.superusers import Superuser, active_superusers, new_superuser

ROUNDS = 15


async def race(
    first: Coroutine[Any, Any, httpx.Response], second: Coroutine[Any, Any, httpx.Response]
) -> list[int]:
    """The status codes of two requests sent at once, in ascending order."""
    responses = await asyncio.gather(first, second)
    return sorted(response.status_code for response in responses)


async def two_superusers(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> tuple[Superuser, Superuser]:
    """Two fresh superusers, and no other active one."""
    await db.execute("UPDATE users SET is_superuser = false")
    return await new_superuser(client, app, db), await new_superuser(client, app, db)


async def test_two_superusers_demoting_each_other_at_once_leave_one(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    first, second = await two_superusers(client, app, db)
    for _ in range(ROUNDS):
        await db.execute("UPDATE users SET is_superuser = true")
        statuses = await race(
            first.patch_user(second, is_superuser=False),
            second.patch_user(first, is_superuser=False),
        )
        assert statuses in ([200, 403], [200, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deactivating_each_other_at_once_leave_one(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(client, app, db)
        statuses = await race(
            first.patch_user(second, is_active=False),
            second.patch_user(first, is_active=False),
        )
        assert statuses in ([200, 401], [200, 403], [200, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deleting_each_other_at_once_leave_one(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(client, app, db)
        statuses = await race(first.delete_user(second), second.delete_user(first))
        assert statuses in ([204, 401], [204, 403], [204, 409])
        assert len(await active_superusers(db)) == 1


async def test_two_superusers_deleting_themselves_at_once_leave_one(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(client, app, db)
        assert await race(first.delete_me(), second.delete_me()) == [204, 409]
        assert len(await active_superusers(db)) == 1


async def test_demotion_racing_the_targets_own_deletion_leaves_one(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    for _ in range(ROUNDS):
        first, second = await two_superusers(client, app, db)
        statuses = await race(first.patch_user(second, is_superuser=False), second.delete_me())
        # Either order is allowed: demoted then deleted as a plain user, or
        # deleted first and the demotion finds no one (404).
        assert statuses in ([200, 204], [204, 404])
        assert len(await active_superusers(db)) == 1


async def test_admin_deletion_racing_a_refresh_never_fails_with_500(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    admin = await new_superuser(client, app, db)
    for _ in range(ROUNDS):
        account, tokens = await register_and_login(client, app)
        target = Superuser(client=client, app=app, user_id=account.user["user_id"], tokens=tokens)
        responses = await asyncio.gather(
            admin.delete_user(target), refresh(client, app, tokens["refresh_token"])
        )
        assert responses[0].status_code == 204
        assert responses[1].status_code in {200, 400}
