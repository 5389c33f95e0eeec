"""Data made directly in the database, for what the API cannot make (bulk users, inactive
accounts, superusers), and fresh emails."""

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import jwt
from fastapi import FastAPI


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def insert_users(db: asyncpg.Connection, count: int) -> None:
    """`count` users in one statement: they share one created_at, so only user_id orders them."""
    await db.execute(
        """
        INSERT INTO users (user_id, email, password_hash)
        SELECT gen_random_uuid(), 'bulk-' || gen_random_uuid() || '@example.com', 'x'
        FROM generate_series(1, $1)
        """,
        count,
    )


async def promote_to_superuser(db: asyncpg.Connection, user_id: str) -> None:
    """Superusers are made on the command line, not over HTTP: set the flag directly."""
    await db.execute("UPDATE users SET is_superuser = true WHERE user_id = $1", uuid.UUID(user_id))


async def deactivate(db: asyncpg.Connection, user_id: str) -> None:
    """Only the flag: unlike a deactivation by a superuser, no session is revoked."""
    await db.execute("UPDATE users SET is_active = false WHERE user_id = $1", uuid.UUID(user_id))


# Helpers of the modules not yet converted to `Api`.
DEFAULT_PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    email: str
    password: str
    user: dict[str, Any]


def url(app: FastAPI, name: str, **params: Any) -> str:
    return str(app.url_path_for(name, **params))


async def register(
    client: httpx.AsyncClient,
    app: FastAPI,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
) -> Account:
    email = email or new_email()
    response = await client.post(
        url(app, "register_new_user"), json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    return Account(email=email, password=password, user=response.json())


async def login(
    client: httpx.AsyncClient, app: FastAPI, *, email: str, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        url(app, "login_access_token"), data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def register_and_login(
    client: httpx.AsyncClient, app: FastAPI, **kwargs: Any
) -> tuple[Account, dict[str, Any]]:
    account = await register(client, app, **kwargs)
    return account, await login(client, app, email=account.email, password=account.password)


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def superuser_and_tokens(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> tuple[Account, dict[str, Any]]:
    account, tokens = await register_and_login(client, app)
    await promote_to_superuser(db, account.user["user_id"])
    return account, tokens


async def post_token(client: httpx.AsyncClient, app: FastAPI, **kwargs: Any) -> httpx.Response:
    """POST to the OAuth2 token endpoint; `kwargs` as for httpx (`data=`, `files=`, ...)."""
    return await client.post(url(app, "login_access_token"), **kwargs)


async def refresh(client: httpx.AsyncClient, app: FastAPI, refresh_token: str) -> httpx.Response:
    return await client.post(url(app, "refresh_token"), json={"refresh_token": refresh_token})


async def read_me(
    client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any]
) -> httpx.Response:
    return await client.get(url(app, "read_current_user"), headers=bearer(tokens))


async def logout(client: httpx.AsyncClient, app: FastAPI, refresh_token: str) -> httpx.Response:
    return await client.post(url(app, "logout"), json={"refresh_token": refresh_token})


def claims_of(tokens: dict[str, Any]) -> dict[str, Any]:
    """The access token's claims, read without checking the signature."""
    decoded: dict[str, Any] = jwt.decode(
        tokens["access_token"], options={"verify_signature": False}
    )
    return decoded


async def session_works(client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any]) -> bool:
    """Whether the session's access token is accepted (without spending its refresh token)."""
    response = await read_me(client, app, tokens)
    assert response.status_code in {200, 401}, response.text
    return response.status_code == 200


async def assert_session_revoked(
    client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any]
) -> None:
    """Its access token gets 401 and its refresh token 400."""
    assert (await read_me(client, app, tokens)).status_code == 401
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400


async def wait_for_lock_waiter(db: asyncpg.Connection, timeout_secs: float = 10.0) -> None:
    """Return once another connection to this database waits on a row lock."""
    deadline = time.monotonic() + timeout_secs
    while time.monotonic() < deadline:
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no request waited on the lock")
