"""PUT /users/me/password."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import (
    DEFAULT_PASSWORD,
    assert_session_revoked,
    bearer,
    login,
    register_and_login,
    session_works,
    url,
)

NEW_PASSWORD = "an entirely new passphrase"


async def change_password(
    client: httpx.AsyncClient,
    app: FastAPI,
    tokens: dict[str, Any],
    current: str = DEFAULT_PASSWORD,
    new: str = NEW_PASSWORD,
) -> httpx.Response:
    return await client.put(
        url(app, "change_current_user_password"),
        json={"current_password": current, "new_password": new},
        headers=bearer(tokens),
    )


async def test_change_password_gives_204(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    response = await change_password(client, app, tokens)
    assert response.status_code == 204


async def test_login_works_with_the_new_password_only(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account, tokens = await register_and_login(client, app)
    await change_password(client, app, tokens)
    await login(client, app, email=account.email, password=NEW_PASSWORD)
    old = await client.post(
        url(app, "login_access_token"),
        data={"username": account.email, "password": DEFAULT_PASSWORD},
    )
    assert old.status_code == 400


async def test_change_password_keeps_the_calling_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    await change_password(client, app, tokens)
    assert await session_works(client, app, tokens)
    response = await client.post(
        url(app, "refresh_token"), json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 200


async def test_change_password_revokes_the_other_sessions(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account, tokens = await register_and_login(client, app)
    other = await login(client, app, email=account.email)
    await change_password(client, app, tokens)
    await assert_session_revoked(client, app, other)


async def test_new_password_may_equal_the_old_one(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    response = await change_password(client, app, tokens, new=DEFAULT_PASSWORD)
    assert response.status_code == 204
    await login(client, app, email=account.email)


async def test_wrong_current_password_gives_400(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    response = await change_password(client, app, tokens, current="not my password")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CURRENT_PASSWORD}
    await login(client, app, email=account.email)


@pytest.mark.parametrize("new", ["Zq7-wX1", "\U0001f600" * 7, "Zq7-wX1p" * 32 + "x", "password"])
async def test_bad_new_password_gives_422(
    client: httpx.AsyncClient, app: FastAPI, new: str
) -> None:
    account, tokens = await register_and_login(client, app)
    response = await change_password(client, app, tokens, new=new)
    assert response.status_code == 422
    await login(client, app, email=account.email)


async def test_change_password_without_token_gives_401(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.put(
        url(app, "change_current_user_password"),
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body", [{}, {"current_password": DEFAULT_PASSWORD}, {"new_password": NEW_PASSWORD}]
)
async def test_missing_field_gives_422(
    client: httpx.AsyncClient, app: FastAPI, body: dict[str, str]
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await client.put(
        url(app, "change_current_user_password"), json=body, headers=bearer(tokens)
    )
    assert response.status_code == 422
