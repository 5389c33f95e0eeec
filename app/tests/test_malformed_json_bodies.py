"""JSON bodies the parser cannot read, or the 422 body cannot echo: 422, never 400 or 500.

Regressions found by `make fuzz`: FastAPI answered undocumented 400s for two
kinds of unparseable JSON, and a 500 when the 422 body had to echo a lone
surrogate.
"""

import json

import httpx
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import register, url

JSON = {"content-type": "application/json"}


async def test_body_that_is_not_utf8_gets_422_json_invalid(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = b'{"email": "\xff@example.com", "password": "long enough password"}'
    response = await client.post(url(app, "register_new_user"), content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_body_nested_deeper_than_the_parser_allows_gets_422_json_invalid(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = b"[" * 100_000
    response = await client.post(url(app, "refresh_token"), content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_lone_surrogate_in_body_gets_422_that_echoes_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = b'{"email": "\\ud800", "password": "long enough password"}'
    response = await client.post(url(app, "register_new_user"), content=body, headers=JSON)
    assert response.status_code == 422
    assert json.loads(response.content)["detail"][0]["input"] == "\ud800"


async def test_other_http_errors_keep_their_status_and_detail(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    response = await client.post(
        url(app, "register_new_user"),
        json={"email": account.email, "password": account.password},
    )
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}
