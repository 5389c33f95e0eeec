"""Helpers that make users and sessions through the API, as a client would."""

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

DEFAULT_PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    email: str
    password: str
    user: dict[str, Any]


def url(app: FastAPI, name: str, **params: Any) -> str:
    return str(app.url_path_for(name, **params))


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


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


async def promote_to_superuser(db: asyncpg.Connection, account: Account) -> None:
    """Superusers are made on the command line, not over HTTP: set the flag directly."""
    await db.execute(
        "UPDATE users SET is_superuser = true WHERE user_id = $1",
        uuid.UUID(account.user["user_id"]),
    )


async def superuser_and_tokens(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> tuple[Account, dict[str, Any]]:
    account, tokens = await register_and_login(client, app)
    await promote_to_superuser(db, account)
    return account, tokens
