"""Request bodies over the limit get 413, announced (Content-Length) or streamed (chunked)."""

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from fastapi import FastAPI
from starlette.types import Message

from app.tests.api_client import DEFAULT_PASSWORD, Api, AppFactory, messages
from app.tests.factories import new_email

LIMIT = 300
TOO_LARGE = {"detail": messages.REQUEST_BODY_TOO_LARGE}


@pytest.fixture(scope="module")
async def small_app(make_app: AppFactory) -> AsyncIterator[FastAPI]:
    async with make_app(security={"max_request_body_bytes": LIMIT}) as application:
        yield application


@pytest.fixture
async def small(small_app: FastAPI) -> AsyncIterator[Api]:
    """A client of an app that takes bodies of up to LIMIT bytes."""
    async with Api.connect(small_app) as api:
        yield api


async def chunked(data: bytes, size: int = 64) -> AsyncIterator[bytes]:
    """A streamed body: httpx sends it chunked, without Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def big_json() -> bytes:
    return json.dumps({"email": new_email(), "password": "x" * LIMIT}).encode()


def big_form() -> bytes:
    return f"username={new_email()}&password={'x' * LIMIT}".encode()


async def test_announced_json_body_over_the_limit_gives_413(small: Api) -> None:
    response = await small.request(
        "POST",
        "register_new_user",
        content=big_json(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


async def test_announced_form_body_over_the_limit_gives_413(small: Api) -> None:
    response = await small.request(
        "POST",
        "login_access_token",
        content=big_form(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


async def test_chunked_json_body_over_the_limit_gives_413(small: Api) -> None:
    response = await small.request(
        "POST",
        "register_new_user",
        content=chunked(big_json()),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"]
)
async def test_chunked_form_body_over_the_limit_gives_413(small: Api, content_type: str) -> None:
    body = big_form()
    if content_type.startswith("multipart"):
        body = (
            b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n'
            + b"x" * LIMIT
            + b"\r\n--b--\r\n"
        )
    response = await small.request(
        "POST",
        "login_access_token",
        content=chunked(body),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


async def test_chunked_body_within_the_limit_is_served(small: Api, db: asyncpg.Connection) -> None:
    body = json.dumps({"email": new_email(), "password": DEFAULT_PASSWORD}).encode()
    assert len(body) <= LIMIT
    response = await small.request(
        "POST",
        "register_new_user",
        content=chunked(body, size=16),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201


async def test_default_limit_is_one_mebibyte(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    at_limit = await api.request(
        "POST", "register_new_user", content=b" " * 1_048_576, headers=headers
    )
    over = await api.request("POST", "register_new_user", content=b" " * 1_048_577, headers=headers)
    assert at_limit.status_code == 422
    assert over.status_code == 413


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("register_new_user", b"application/json"),
        ("login_access_token", b"application/x-www-form-urlencoded"),
        ("login_access_token", b"multipart/form-data; boundary=b"),
        ("introspect_token", b"application/x-www-form-urlencoded"),
        ("revoke_token", b"application/x-www-form-urlencoded"),
    ],
)
async def test_client_gone_before_its_body_gives_no_500(
    app: FastAPI, name: str, content_type: bytes
) -> None:
    # Driven through ASGI by hand: the client disconnects instead of sending.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    path = app.url_path_for(name)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-type", content_type)],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 400
