"""POST /auth/register: 201 User, 409 duplicate email, 422 invalid email or password."""

import asyncio
import uuid
from datetime import datetime

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import DEFAULT_PASSWORD, new_email, register, url


async def post_register(
    client: httpx.AsyncClient, app: FastAPI, email: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    return await client.post(
        url(app, "register_new_user"), json={"email": email, "password": password}
    )


async def test_register_returns_201_with_the_user(client: httpx.AsyncClient, app: FastAPI) -> None:
    email = new_email()
    response = await post_register(client, app, email)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user_id", "email", "is_active", "is_superuser", "created_at"}
    uuid.UUID(body["user_id"])
    assert body["email"] == email
    assert body["is_active"] is True
    assert body["is_superuser"] is False
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


async def test_register_ignores_privilege_fields_sent_by_the_client(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post(
        url(app, "register_new_user"),
        json={
            "email": new_email(),
            "password": DEFAULT_PASSWORD,
            "is_superuser": True,
            "is_active": False,
            "user_id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False
    assert response.json()["is_active"] is True


async def test_register_stores_an_argon2id_hash_not_the_password(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    stored = await db.fetchval(
        "SELECT password_hash FROM users WHERE user_id = $1", uuid.UUID(account.user["user_id"])
    )
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored


async def test_register_same_email_twice_gives_409(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_register(client, app, account.email)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}


async def test_register_same_email_in_other_case_gives_409(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app, email=f"Mixed-{uuid.uuid4().hex[:8]}@Example.com")
    response = await post_register(client, app, account.email.upper())
    assert response.status_code == 409


async def test_concurrent_registrations_of_one_email_let_exactly_one_win(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    email = new_email()
    variants = [email, email.upper(), email.title(), email, email.upper()]
    responses = await asyncio.gather(*(post_register(client, app, v) for v in variants))
    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409, 409]


async def test_database_refuses_a_second_row_with_the_same_canonical_email(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO users (user_id, email, email_canonical, password_hash)"
            " VALUES ($1, $2, $3, 'x')",
            uuid.uuid4(),
            account.email.upper(),
            account.email.lower(),
        )


@pytest.mark.parametrize(
    "email", ["not-an-email", "", "missing-domain@", "@example.com", "two@@example.com"]
)
async def test_register_invalid_email_gives_422(
    client: httpx.AsyncClient, app: FastAPI, email: str
) -> None:
    response = await post_register(client, app, email)
    assert response.status_code == 422


@pytest.mark.parametrize("body", [{}, {"email": "a@example.com"}, {"password": DEFAULT_PASSWORD}])
async def test_register_missing_field_gives_422(
    client: httpx.AsyncClient, app: FastAPI, body: dict[str, str]
) -> None:
    response = await client.post(url(app, "register_new_user"), json=body)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "password",
    [
        "Zq7-wX1",  # 7 characters
        "\U0001f600" * 7,  # 7 characters, 28 bytes: length counts characters, not bytes
        "Zq7-wX1p" * 32 + "x",  # 257 characters
    ],
)
async def test_register_password_outside_8_to_256_characters_gives_422(
    client: httpx.AsyncClient, app: FastAPI, password: str
) -> None:
    response = await post_register(client, app, new_email(), password)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "password",
    [
        "Zq7-wX1p",  # 8 characters
        "\U0001f600" * 8,  # 8 emoji
        "Zq7-wX1p" * 32,  # 256 characters
        "pässwörd-ünïcødé",  # any Unicode, no composition rules
    ],
)
async def test_register_password_of_8_to_256_characters_is_accepted(
    client: httpx.AsyncClient, app: FastAPI, password: str
) -> None:
    response = await post_register(client, app, new_email(), password)
    assert response.status_code == 201


async def test_register_accepted_256_character_password_logs_in_untruncated(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    password = "Zq7-wX1p" * 32
    account = await register(client, app, password=password)
    login_url = url(app, "login_access_token")
    good = await client.post(login_url, data={"username": account.email, "password": password})
    cut = await client.post(login_url, data={"username": account.email, "password": password[:-1]})
    assert (good.status_code, cut.status_code) == (200, 400)


@pytest.mark.parametrize("password", ["password", "12345678", "PASSWORD", "iloveyou"])
async def test_register_common_password_gives_422(
    client: httpx.AsyncClient, app: FastAPI, password: str
) -> None:
    response = await post_register(client, app, new_email(), password)
    assert response.status_code == 422
    assert messages.PASSWORD_TOO_COMMON in response.text
