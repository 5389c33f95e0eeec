from typing import Any

import httpx
from fastapi import FastAPI

from app.tests.factories import bearer, register_and_login, url


async def test_register_login_me(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, tokens = await register_and_login(client, app)
    response = await client.get(url(app, "read_current_user"), headers=bearer(tokens))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["email"] == account.email
