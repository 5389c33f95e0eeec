"""POST /auth/access-token: the OAuth2 token endpoint (password and refresh_token grants)."""

import asyncio
import base64
import time
import uuid

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher, Type
from fastapi import FastAPI

from app.core import messages
from app.tests.apps import services_of_app
from app.tests.factories import (
    claims_of,
    login,
    post_token,
    register,
    register_and_login,
    wait_for_lock_waiter,
)

INVALID_GRANT = {"detail": messages.INCORRECT_EMAIL_OR_PASSWORD, "error": "invalid_grant"}


async def test_password_grant_returns_the_tokens_object(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    before = int(time.time())
    response = await post_token(
        client,
        app,
        data={"grant_type": "password", "username": account.email, "password": account.password},
    )
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {
        "token_type",
        "access_token",
        "expires_at",
        "refresh_token",
        "refresh_token_expires_at",
    }
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_at"] == claims_of(tokens)["exp"]
    after = int(time.time())
    assert before + 15 * 60 <= tokens["expires_at"] <= after + 15 * 60
    assert before + 28 * 24 * 3600 <= tokens["refresh_token_expires_at"] <= after + 28 * 24 * 3600


async def test_grant_type_defaults_to_password(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 200


async def test_token_response_is_not_cached(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_carries_the_required_claims(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account, tokens = await register_and_login(client, app)
    claims = claims_of(tokens)
    assert set(claims) >= {"iss", "sub", "iat", "exp", "jti", "sid"}
    assert claims["sub"] == account.user["user_id"]
    uuid.UUID(claims["sid"])


async def test_refresh_token_carries_256_bits_that_the_database_does_not_hold(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    token = tokens["refresh_token"]
    raw = base64.urlsafe_b64decode(token + "=")
    tag = raw[-32:]  # 256 bits after the session id and generation
    row = await db.fetchrow("SELECT * FROM user_sessions")
    assert row is not None
    assert all(tag not in bytes(str(value), "utf-8") for value in row.values())
    assert token not in str(dict(row))


async def test_each_login_opens_a_new_session(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, first = await register_and_login(client, app)
    second = await login(client, app, email=account.email)
    assert claims_of(first)["sid"] != claims_of(second)["sid"]


async def test_login_email_is_case_insensitive(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app, email=f"Case-{uuid.uuid4().hex[:8]}@Example.com")
    for variant in (account.email.upper(), account.email.lower()):
        await login(client, app, email=variant)


async def test_login_through_a_multipart_form(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client,
        app,
        files={"username": (None, account.email), "password": (None, account.password)},
    )
    assert response.status_code == 200


async def test_wrong_password_gives_invalid_grant(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": "wrong password!"}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "username",
    [
        "nobody@example.com",
        "nul\x00byte@example.com",  # could never be stored: no account, same answer
        "x" * 300 + "@example.com",  # longer than any stored email
    ],
)
async def test_unknown_email_gives_the_same_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, username: str
) -> None:
    response = await post_token(client, app, data={"username": username, "password": "whatever1"})
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_email_with_lone_surrogate_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # A multipart charset decodes `\ud800` into a lone surrogate, which no
    # stored email can hold.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n\\ud800@example.com\r\n'
        b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nwhatever1\r\n--b--\r\n'
    )
    response = await post_token(
        client,
        app,
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b; charset=unicode_escape"},
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_inactive_user_gives_the_same_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_unreadable_stored_hash_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    await db.execute(
        "UPDATE users SET password_hash = 'not a hash' WHERE email = $1", account.email
    )
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.json() == INVALID_GRANT


async def test_weaker_hash_is_upgraded_at_next_login(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    weak_hasher = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1, type=Type.ID)
    weak_hash = weak_hasher.hash(account.password)
    await db.execute(
        "UPDATE users SET password_hash = $1 WHERE email = $2", weak_hash, account.email
    )
    await login(client, app, email=account.email)
    stored = await db.fetchval("SELECT password_hash FROM users WHERE email = $1", account.email)
    assert stored != weak_hash
    assert "m=64," in stored  # the app's current parameters (conftest CHEAP_HASHING)
    assert PasswordHasher().verify(stored, account.password)
    await login(client, app, email=account.email)


async def test_hash_from_hash_blocking_logs_in(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    # The command line hashes without an event loop (`hash_blocking`).
    account = await register(client, app)
    password = "a brand new password"
    blocking_hash = services_of_app(app).password_hashing.hash_blocking(password)
    await db.execute(
        "UPDATE users SET password_hash = $1 WHERE email = $2", blocking_hash, account.email
    )
    await login(client, app, email=account.email, password=password)


async def test_account_deleted_during_login_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    # The deletion is made but not committed: the login still reads the
    # account, then its new session waits on the row lock and finds the user
    # gone once the deletion commits.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("DELETE FROM users WHERE email = $1", account.email)
        login_task = asyncio.create_task(
            post_token(client, app, data={"username": account.email, "password": account.password})
        )
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    response = await login_task
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
