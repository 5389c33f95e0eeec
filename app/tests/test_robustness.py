"""Malformed input of every kind gets a 4xx with a `detail`, never a 500."""

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import DEFAULT_PASSWORD, bearer, new_email, register_and_login, url

NASTY_STRINGS = {
    "nul": "abcd\u0000efghijkl",
    "lone_surrogate": "abcdefgh\ud800",
    "ten_kilobytes": "x" * 10_240,
}

# Every JSON body of the API: route name, a valid body, whether it needs a session.
JSON_BODIES: list[tuple[str, str, dict[str, Any], bool]] = [
    ("POST", "register_new_user", {"email": "x@example.com", "password": DEFAULT_PASSWORD}, False),
    ("POST", "refresh_token", {"refresh_token": "some-token"}, False),
    ("POST", "logout", {"refresh_token": "some-token"}, False),
    (
        "PUT",
        "change_current_user_password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "a new passphrase"},
        True,
    ),
]
FIELD_CASES = [
    pytest.param(method, name, body, auth, field, id=f"{name}-{field}")
    for method, name, body, auth in JSON_BODIES
    for field in body
]


async def send_json(
    client: httpx.AsyncClient,
    app: FastAPI,
    method: str,
    name: str,
    content: bytes,
    auth: bool,
    content_type: str = "application/json",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if auth:
        _, tokens = await register_and_login(client, app)
        headers.update(bearer(tokens))
    return await client.request(method, url(app, name), content=content, headers=headers)


def assert_client_error(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()


@pytest.mark.parametrize("nasty", NASTY_STRINGS.values(), ids=NASTY_STRINGS.keys())
@pytest.mark.parametrize(("method", "name", "body", "auth", "field"), FIELD_CASES)
async def test_nasty_string_in_any_field_gives_4xx(
    client: httpx.AsyncClient,
    app: FastAPI,
    method: str,
    name: str,
    body: dict[str, Any],
    auth: bool,
    field: str,
    nasty: str,
) -> None:
    content = json.dumps({**body, field: nasty}).encode()  # ASCII-escaped: surrogates survive
    assert_client_error(await send_json(client, app, method, name, content, auth))


WRONG_TYPES: list[object] = [None, 12345, 1.5, True, [], {}, ["x"]]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
@pytest.mark.parametrize(("method", "name", "body", "auth", "field"), FIELD_CASES)
async def test_wrong_json_type_in_any_field_gives_422(
    client: httpx.AsyncClient,
    app: FastAPI,
    method: str,
    name: str,
    body: dict[str, Any],
    auth: bool,
    field: str,
    value: object,
) -> None:
    content = json.dumps({**body, field: value}).encode()
    response = await send_json(client, app, method, name, content, auth)
    assert response.status_code == 422


BODY_CASES = [pytest.param(method, name, auth, id=name) for method, name, _, auth in JSON_BODIES]


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"not json",
        b'{"a": }',
        b"\xff\xfe\x00",
        b"[]",
        b'"string"',
        b"42",
        b"null",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser's recursion limit
        b'{"refresh_token": ' + b"9" * 5_000 + b"}",  # more digits than int() takes
        b"-Infinity",
        b'{"refresh_token": NaN}',
    ],
    ids=lambda content: repr(content[:16]),
)
@pytest.mark.parametrize(("method", "name", "auth"), BODY_CASES)
async def test_invalid_or_non_object_json_gives_4xx(
    client: httpx.AsyncClient, app: FastAPI, method: str, name: str, auth: bool, content: bytes
) -> None:
    assert_client_error(await send_json(client, app, method, name, content, auth))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
@pytest.mark.parametrize(("method", "name", "auth"), BODY_CASES)
async def test_wrong_content_type_gives_4xx(
    client: httpx.AsyncClient,
    app: FastAPI,
    method: str,
    name: str,
    auth: bool,
    content_type: str,
) -> None:
    content = b'{"email": "x@example.com"}'
    response = await send_json(client, app, method, name, content, auth, content_type)
    assert_client_error(response)


# Percent-encoded form values: NUL, bytes that are not UTF-8 (one of them a
# UTF-8-encoded surrogate), 10 kB.
FORM_NASTY = {"nul": "ab%00cdefgh", "not_utf8": "ab%FF%ED%A0%80cd", "ten_kilobytes": "x" * 10_240}


@pytest.mark.parametrize("nasty", FORM_NASTY.values(), ids=FORM_NASTY.keys())
@pytest.mark.parametrize("field", ["grant_type", "username", "password", "refresh_token"])
async def test_nasty_value_in_any_token_form_field_gives_4xx(
    client: httpx.AsyncClient, app: FastAPI, field: str, nasty: str
) -> None:
    grant = "refresh_token" if field == "refresh_token" else "password"
    form = {"grant_type": grant, "username": new_email(), "password": "x", "refresh_token": "x"}
    form[field] = nasty
    response = await client.post(
        url(app, "login_access_token"),
        content="&".join(f"{key}={value}" for key, value in form.items()).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "unsupported_grant_type"}


async def test_nul_in_a_password_gives_422_with_a_clear_detail(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post(
        url(app, "register_new_user"),
        json={"email": new_email(), "password": "abcd\u0000efghijkl"},
    )
    assert response.status_code == 422
    assert messages.NUL_CHARACTER in response.json()["detail"][0]["msg"]


async def test_nan_in_a_field_gives_422_without_echoing_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # In a field that is not secret: the input of a secret one is masked.
    response = await client.post(
        url(app, "register_new_user"),
        content=b'{"email": NaN, "password": "long enough password"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "email"]
    assert error["input"] is None


async def test_lone_surrogate_gives_the_standard_422_body(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # In a field that is not secret: the input of a secret one is masked.
    response = await client.post(
        url(app, "register_new_user"),
        content=b'{"email": "abc\\ud800", "password": "long enough password"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "email"]
    assert error["input"] == "abc\ud800"


async def test_absurd_query_parameters_are_ignored(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    response = await client.get(
        url(app, "read_current_user"),
        params={"limit": "-1" * 100, "cursor": "\x00", "x" * 1000: "y"},
        headers=bearer(tokens),
    )
    assert response.status_code == 200
