"""GET and DELETE /users/me."""

import asyncio
import uuid

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import (
    bearer,
    claims_of,
    logout,
    read_me,
    refresh,
    register,
    register_and_login,
    url,
    wait_for_lock_waiter,
)


async def test_read_me_returns_the_user(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    response = await read_me(client, app, tokens)
    assert response.status_code == 200
    assert response.json() == account.user


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "detail" in response.json()


async def test_read_me_without_token_gives_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.get(url(app, "read_current_user"))
    assert_unauthorized(response)
    assert response.json() == {"detail": messages.NOT_AUTHENTICATED}


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "bearer",
        "Bearer  ",
        "Bearer " + "x" * 10_000,
        "Bearer \xff\xfe",
        "Bearer e30.e30.e30",  # {} . {} . {}
        "Bearer W10.W10.",  # [] . [] (a payload that is not an object)
    ],
)
async def test_read_me_with_malformed_token_gives_401(
    client: httpx.AsyncClient, app: FastAPI, authorization: str
) -> None:
    response = await client.get(
        url(app, "read_current_user"), headers={b"Authorization": authorization.encode("latin-1")}
    )
    assert_unauthorized(response)


async def test_read_me_with_revoked_session_gives_401(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    await logout(client, app, tokens["refresh_token"])
    assert_unauthorized(await read_me(client, app, tokens))


async def test_read_me_of_inactive_user_gives_401(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    assert_unauthorized(await read_me(client, app, tokens))


async def test_read_me_of_deleted_user_gives_401(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    await db.execute("DELETE FROM users WHERE email = $1", account.email)
    assert_unauthorized(await read_me(client, app, tokens))


async def test_delete_me_gives_204_and_removes_account_and_sessions(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await register_and_login(client, app)
    response = await client.delete(url(app, "delete_current_user"), headers=bearer(tokens))
    assert response.status_code == 204
    user_id = uuid.UUID(account.user["user_id"])
    assert await db.fetchval("SELECT count(*) FROM users WHERE user_id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM user_sessions") == 0
    assert_unauthorized(await read_me(client, app, tokens))
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400


async def test_delete_me_while_a_refresh_holds_its_session_succeeds(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    session_id = uuid.UUID(claims_of(tokens)["sid"])
    # The connection plays a concurrent refresh, which holds its session's row.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        deleting = asyncio.create_task(
            client.delete(url(app, "delete_current_user"), headers=bearer(tokens))
        )
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    assert (await deleting).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_deleted_email_can_register_again(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    await client.delete(url(app, "delete_current_user"), headers=bearer(tokens))
    again = await register(client, app, email=account.email)
    assert again.user["user_id"] != account.user["user_id"]


async def test_delete_me_leaves_other_users_alone(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, mine = await register_and_login(client, app)
    _, theirs = await register_and_login(client, app)
    await client.delete(url(app, "delete_current_user"), headers=bearer(mine))
    assert (await read_me(client, app, theirs)).status_code == 200


async def test_delete_me_without_token_gives_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert_unauthorized(await client.delete(url(app, "delete_current_user")))
