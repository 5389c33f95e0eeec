"""GET and DELETE /users/me."""

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from app.tests.api_client import Api, messages
from app.tests.locks import wait_for_lock_waiter


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "detail" in response.json()


async def test_read_me_returns_the_user(user: Api) -> None:
    response = await user.me()
    assert response.status_code == 200
    assert response.json() == user.user


async def test_read_me_without_token_gives_401(api: Api) -> None:
    response = await api.me()
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
async def test_read_me_with_malformed_token_gives_401(api: Api, authorization: str) -> None:
    response = await api.request(
        "GET", "read_current_user", headers={b"Authorization": authorization.encode("latin-1")}
    )
    assert_unauthorized(response)


async def test_read_me_with_revoked_session_gives_401(user: Api) -> None:
    await user.logout()
    assert_unauthorized(await user.me())


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET is_active = false WHERE user_id = $1",
        "DELETE FROM users WHERE user_id = $1",
    ],
    ids=["inactive", "deleted"],
)
async def test_read_me_of_inactive_or_deleted_user_gives_401(
    user: Api, db: asyncpg.Connection, change: str
) -> None:
    await db.execute(change, uuid.UUID(user.id))
    assert_unauthorized(await user.me())


async def test_delete_me_gives_204_and_removes_account_and_sessions(
    user: Api, db: asyncpg.Connection
) -> None:
    response = await user.delete_me()
    assert response.status_code == 204
    user_id = uuid.UUID(user.id)
    assert await db.fetchval("SELECT count(*) FROM users WHERE user_id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM user_sessions") == 0
    assert_unauthorized(await user.me())
    assert (await user.refresh()).status_code == 400


async def test_delete_me_while_a_refresh_holds_its_session_succeeds(
    user: Api, db: asyncpg.Connection
) -> None:
    session_id = uuid.UUID(user.claims["sid"])
    # The connection plays a concurrent refresh, which holds its session's row.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("SELECT FROM user_sessions WHERE session_id = $1 FOR UPDATE", session_id)
        deleting = asyncio.create_task(user.delete_me())
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    assert (await deleting).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_deleted_email_can_register_again(api: Api, user: Api) -> None:
    await user.delete_me()
    again = await api.register(user.email)
    assert again.status_code == 201
    assert again.json()["user_id"] != user.id


async def test_delete_me_leaves_other_users_alone(api: Api, user: Api) -> None:
    other = await api.new_user()
    await user.delete_me()
    assert (await other.me()).status_code == 200


async def test_delete_me_without_token_gives_401(api: Api) -> None:
    assert_unauthorized(await api.delete_me())
