"""POST /auth/access-token, malformed: RFC 6749 `invalid_request` or `unsupported_grant_type`.

Never FastAPI's 422: standard OAuth2 clients only understand these.
"""

import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import DEFAULT_PASSWORD, post_token, register


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "someone@example.com"},
        {"password": DEFAULT_PASSWORD},
        {"grant_type": "password", "username": "", "password": DEFAULT_PASSWORD},
        {"grant_type": "refresh_token"},
    ],
)
async def test_missing_fields_give_invalid_request(
    client: httpx.AsyncClient, app: FastAPI, data: dict[str, str]
) -> None:
    response = await post_token(client, app, data=data)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"


async def test_json_body_gives_invalid_request(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await post_token(
        client, app, json={"username": "someone@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": messages.MALFORMED_TOKEN_REQUEST,
        "error": "invalid_request",
    }


async def test_missing_content_type_gives_invalid_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await post_token(client, app, content=b"username=a&password=b")
    assert response.json()["error"] == "invalid_request"


async def test_duplicate_field_gives_invalid_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    response = await post_token(
        client,
        app,
        content=f"username={account.email}&password=x&password={account.password}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_file_upload_gives_invalid_request(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client,
        app,
        data={"username": account.email},
        files={"password": ("password.txt", account.password.encode(), "text/plain")},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_malformed_multipart_gives_invalid_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await post_token(
        client, app, content=b"garbage", headers={"Content-Type": "multipart/form-data"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_too_many_fields_give_invalid_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    fields = {f"field{number}": "x" for number in range(25)}
    response = await post_token(client, app, files={k: (None, v) for k, v in fields.items()})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code", ""])
async def test_other_grant_type_gives_unsupported_grant_type(
    client: httpx.AsyncClient, app: FastAPI, grant_type: str
) -> None:
    response = await post_token(
        client, app, data={"grant_type": grant_type, "username": "a@b.co", "password": "x"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": messages.UNSUPPORTED_GRANT_TYPE,
        "error": "unsupported_grant_type",
    }
