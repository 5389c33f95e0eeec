"""POST /auth/register: 201 User, 409 duplicate email, 422 invalid email or password."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime

import asyncpg
import pytest

from app.tests.api_client import DEFAULT_PASSWORD, Api, messages
from app.tests.factories import new_email


async def test_register_returns_201_with_the_user(api: Api) -> None:
    email = new_email()
    response = await api.register(email)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "user_id",
        "email",
        "is_active",
        "is_superuser",
        "created_at",
        "email_verified",
        "mfa_enabled",
    }
    uuid.UUID(body["user_id"])
    assert body["email"] == email
    assert body["is_active"] is True
    assert body["is_superuser"] is False
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


async def test_register_ignores_privilege_fields_sent_by_the_client(api: Api) -> None:
    response = await api.register(is_superuser=True, is_active=False, user_id=str(uuid.uuid4()))
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False
    assert response.json()["is_active"] is True


async def test_register_stores_an_argon2id_hash_not_the_password(
    user: Api, db: asyncpg.Connection
) -> None:
    stored = await db.fetchval(
        "SELECT password_hash FROM users WHERE user_id = $1", uuid.UUID(user.id)
    )
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored


@pytest.mark.parametrize("case", [str, str.upper], ids=["same-case", "other-case"])
async def test_register_same_email_twice_gives_409(api: Api, case: Callable[[str], str]) -> None:
    first = await api.anonymous().register(f"Mixed-{uuid.uuid4().hex[:8]}@Example.com")
    response = await api.register(case(first.json()["email"]))
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}


async def test_concurrent_registrations_of_one_email_let_exactly_one_win(api: Api) -> None:
    email = new_email()
    variants = [email, email.upper(), email.title(), email, email.upper()]
    responses = await asyncio.gather(*(api.anonymous().register(v) for v in variants))
    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409, 409]


async def test_database_refuses_a_second_row_with_the_same_canonical_email(
    user: Api, db: asyncpg.Connection
) -> None:
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO users (user_id, email, email_canonical, password_hash)"
            " VALUES ($1, $2, $3, 'x')",
            uuid.uuid4(),
            user.email.upper(),
            user.email.lower(),
        )


@pytest.mark.parametrize(
    "email", ["not-an-email", "", "missing-domain@", "@example.com", "two@@example.com"]
)
async def test_register_invalid_email_gives_422(api: Api, email: str) -> None:
    response = await api.register(email)
    assert response.status_code == 422


@pytest.mark.parametrize("body", [{}, {"email": "a@example.com"}, {"password": DEFAULT_PASSWORD}])
async def test_register_missing_field_gives_422(api: Api, body: dict[str, str]) -> None:
    response = await api.request("POST", "register_new_user", json=body)
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
    api: Api, password: str
) -> None:
    response = await api.register(password=password)
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
    api: Api, password: str
) -> None:
    response = await api.register(password=password)
    assert response.status_code == 201


async def test_register_accepted_256_character_password_logs_in_untruncated(api: Api) -> None:
    password = "Zq7-wX1p" * 32
    await api.register(password=password)
    good = await api.login()
    cut = await api.login(password=password[:-1])
    assert (good.status_code, cut.status_code) == (200, 400)


@pytest.mark.parametrize("password", ["password", "12345678", "PASSWORD", "iloveyou"])
async def test_register_common_password_gives_422(api: Api, password: str) -> None:
    response = await api.register(password=password)
    assert response.status_code == 422
    assert messages.PASSWORD_TOO_COMMON in response.text


@pytest.mark.parametrize("password", ["password\n12345678", "password 12345678", "\tpassword\t"])
async def test_common_passwords_joined_by_whitespace_are_not_common(
    api: Api, password: str
) -> None:
    # The list is one newline-framed string: no lookup may span two entries.
    response = await api.register(password=password)
    assert response.status_code == 201, response.text
