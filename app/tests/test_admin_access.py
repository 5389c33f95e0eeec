"""Who may call the administration endpoints, and what they answer for ids that are not there."""

import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import (
    bearer,
    register_and_login,
    superuser_and_tokens,
    url,
)

UNKNOWN_ID = str(uuid.uuid4())
# Every administrative call: route name, method, and a body where it takes one.
ADMIN_CALLS = [
    pytest.param("list_users", "GET", None, {}, id="list"),
    pytest.param("read_user", "GET", None, {"user_id": UNKNOWN_ID}, id="read"),
    pytest.param("update_user", "PATCH", {}, {"user_id": UNKNOWN_ID}, id="update"),
    pytest.param("delete_user", "DELETE", None, {"user_id": UNKNOWN_ID}, id="delete"),
]


async def call(
    client: httpx.AsyncClient,
    app: FastAPI,
    name: str,
    method: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
    **params: Any,
) -> httpx.Response:
    return await client.request(method, url(app, name, **params), json=body, headers=headers)


@pytest.mark.parametrize(("name", "method", "body", "params"), ADMIN_CALLS)
async def test_admin_call_without_token_is_401(
    client: httpx.AsyncClient,
    app: FastAPI,
    name: str,
    method: str,
    body: dict[str, Any] | None,
    params: dict[str, Any],
) -> None:
    response = await call(client, app, name, method, body, {}, **params)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("name", "method", "body", "params"), ADMIN_CALLS)
async def test_admin_call_by_ordinary_user_is_403(
    client: httpx.AsyncClient,
    app: FastAPI,
    name: str,
    method: str,
    body: dict[str, Any] | None,
    params: dict[str, Any],
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await call(client, app, name, method, body, bearer(tokens), **params)
    assert response.status_code == 403
    assert response.json() == {"detail": messages.SUPERUSER_REQUIRED}


@pytest.mark.parametrize(
    ("name", "method", "body"),
    [
        ("read_user", "GET", None),
        ("update_user", "PATCH", {}),
        ("update_user", "PATCH", {"is_active": False}),
        ("delete_user", "DELETE", None),
    ],
)
async def test_admin_call_with_unknown_user_is_404(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: asyncpg.Connection,
    name: str,
    method: str,
    body: dict[str, Any] | None,
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    response = await call(client, app, name, method, body, bearer(tokens), user_id=UNKNOWN_ID)
    assert response.status_code == 404
    assert response.json() == {"detail": messages.USER_NOT_FOUND}


@pytest.mark.parametrize(
    ("name", "method", "body"),
    [("read_user", "GET", None), ("update_user", "PATCH", {}), ("delete_user", "DELETE", None)],
)
@pytest.mark.parametrize("user_id", ["not-a-uuid", "1", "%00", "x" * 10_000])
async def test_admin_call_with_non_uuid_id_is_422(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: asyncpg.Connection,
    name: str,
    method: str,
    body: dict[str, Any] | None,
    user_id: str,
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    response = await call(client, app, name, method, body, bearer(tokens), user_id=user_id)
    assert response.status_code == 422


async def test_users_me_is_not_taken_for_a_user_id(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await superuser_and_tokens(client, app, db)
    response = await client.get(url(app, "read_current_user"), headers=bearer(tokens))
    assert response.status_code == 200
    assert response.json()["email"] == account.email
