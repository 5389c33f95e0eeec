"""Review item 17: no error body echoes a secret, database errors do not log query
parameters, and a path cannot forge a line of the text log.

API.md v2: no error body (422 or other) echoes back the value of a password,
token, code or secret field: FastAPI's `input` is masked for those fields,
and for such keys of an echoed object.
"""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.tests.factories import bearer, new_email, register_and_login, url
from app.tests.hardening.production_settings import text_log

SECRET = "my-very-secret-value"


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("register_new_user", {"email": new_email(), "password": SECRET[:7]}),
        ("register_new_user", {"email": new_email(), "password": [SECRET]}),
        # A missing field: FastAPI echoes the whole body as its `input`.
        ("register_new_user", {"password": SECRET}),
        ("register_new_user", {"password": "x", "extra": [{"Client_Secret": SECRET}]}),
        ("register_new_user", {"email": "not an email", "password": SECRET}),
        ("refresh_token", {"refresh_token": SECRET + "x" * 1024}),
        ("refresh_token", {"refresh_token": {"nested": SECRET}}),
        ("logout", {"refresh_token": SECRET + "x" * 1024}),
        ("reset_password", {"token": SECRET + "x" * 1024, "new_password": SECRET}),
        ("reset_password", {"token": SECRET, "new_password": SECRET[:7]}),
        ("reset_password", {"new_password": SECRET, "unknown": {"otp": SECRET, "code": SECRET}}),
    ],
)
async def test_422_never_echoes_a_secret_field(
    client: httpx.AsyncClient, app: FastAPI, route: str, body: dict[str, Any]
) -> None:
    response = await client.post(url(app, route), json=body)
    assert response.status_code == 422
    assert SECRET not in response.text
    assert SECRET[:7] not in response.text
    assert all("input" in error and error["loc"] for error in response.json()["detail"])


async def test_422_of_a_password_change_echoes_neither_password(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await client.put(
        url(app, "change_current_user_password"),
        json={"current_password": [SECRET], "new_password": SECRET[:7]},
        headers=bearer(tokens),
    )
    assert response.status_code == 422
    assert SECRET not in response.text
    assert SECRET[:7] not in response.text


async def test_422_still_echoes_fields_that_are_not_secret(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post(
        url(app, "register_new_user"), json={"email": "not an email", "password": SECRET}
    )
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "email"]
    assert error["input"] == "not an email"


@pytest.fixture
async def users_refuse_inserts(db: asyncpg.Connection) -> AsyncIterator[None]:
    """A database that fails every registration with an error of its own."""
    await db.execute(
        "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
    )
    await db.execute(
        "CREATE TRIGGER refuse_insert BEFORE INSERT ON users "
        "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
    )
    try:
        yield
    finally:
        await db.execute("DROP TRIGGER refuse_insert ON users")
        await db.execute("DROP FUNCTION refuse_insert()")


@pytest.mark.usefixtures("users_refuse_inserts")
async def test_database_errors_do_not_log_query_parameters(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    email = new_email()
    with text_log() as log:
        response = await client.post(
            url(app, "register_new_user"), json={"email": email, "password": SECRET}
        )
    assert response.status_code == 500
    assert "refused by the test" in log.getvalue()
    assert email not in log.getvalue()
    assert "$argon2id$" not in log.getvalue()


async def test_a_path_cannot_forge_a_line_of_the_text_log(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    forged = "2026-12-01 00:00:00,000 WARNING app.security: password of admin changed"
    path = "/no-such-path%0A" + forged.replace(" ", "%20") + "%0D%1B[2K%E2%80%A8%C2%85"
    with text_log() as log:
        response = await client.get(path)
    assert response.status_code == 404
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "\\x0a" + forged in lines[0]
    assert "\x1b" not in lines[0]
    assert "\\x1b" in lines[0]
