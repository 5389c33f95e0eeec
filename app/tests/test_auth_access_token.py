"""POST /auth/access-token with the password grant (the refresh grant: test_auth_refresh.py)."""

import asyncio
import base64
import time
import uuid

import asyncpg
import pytest
from argon2 import PasswordHasher, Type

from app.tests.api_client import Api, messages
from app.tests.locks import wait_for_lock_waiter

INVALID_GRANT = {"detail": messages.INCORRECT_EMAIL_OR_PASSWORD, "error": "invalid_grant"}


async def test_password_grant_returns_the_tokens_object(api: Api) -> None:
    await api.register()
    before = int(time.time())
    response = await api.token(grant_type="password", username=api.email, password=api.password)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {
        "token_type",
        "access_token",
        "expires_at",
        "refresh_token",
        "refresh_token_expires_at",
    }
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_at"] == api.claims["exp"]
    after = int(time.time())
    assert before + 15 * 60 <= tokens["expires_at"] <= after + 15 * 60
    assert before + 28 * 24 * 3600 <= tokens["refresh_token_expires_at"] <= after + 28 * 24 * 3600


async def test_grant_type_defaults_to_password(api: Api) -> None:
    await api.register()
    response = await api.token(username=api.email, password=api.password)
    assert response.status_code == 200


async def test_token_response_is_not_cached(api: Api) -> None:
    await api.register()
    response = await api.login()
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_carries_the_required_claims(user: Api) -> None:
    assert set(user.claims) >= {"iss", "sub", "iat", "exp", "jti", "sid"}
    assert user.claims["sub"] == user.id
    uuid.UUID(user.claims["sid"])


async def test_refresh_token_carries_256_bits_that_the_database_does_not_hold(
    user: Api, db: asyncpg.Connection
) -> None:
    token = user.tokens["refresh_token"]
    raw = base64.urlsafe_b64decode(token + "=")
    tag = raw[-32:]  # 256 bits after the session id and generation
    row = await db.fetchrow("SELECT * FROM user_sessions")
    assert row is not None
    assert all(tag not in bytes(str(value), "utf-8") for value in row.values())
    assert token not in str(dict(row))


async def test_each_login_opens_a_new_session(user: Api) -> None:
    second = await user.new_session()
    assert user.claims["sid"] != second.claims["sid"]


async def test_login_email_is_case_insensitive(api: Api) -> None:
    await api.register(f"Case-{uuid.uuid4().hex[:8]}@Example.com")
    for variant in (api.email.upper(), api.email.lower()):
        assert (await api.login(variant)).status_code == 200


async def test_login_through_a_multipart_form(api: Api) -> None:
    await api.register()
    response = await api.request(
        "POST",
        "login_access_token",
        files={"username": (None, api.email), "password": (None, api.password)},
    )
    assert response.status_code == 200


async def test_wrong_password_gives_invalid_grant(api: Api) -> None:
    await api.register()
    response = await api.login(password="wrong password!")
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "username",
    [
        "nobody@example.com",
        "nul\x00byte@example.com",  # could never be stored: no account, same answer
        "x" * 300 + "@example.com",  # longer than any stored email
    ],
)
async def test_unknown_email_gives_the_same_invalid_grant(api: Api, username: str) -> None:
    response = await api.login(username, "whatever1")
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_email_with_lone_surrogate_gives_invalid_grant(api: Api) -> None:
    # A multipart charset decodes `\ud800` into a lone surrogate, which no
    # stored email can hold.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n\\ud800@example.com\r\n'
        b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nwhatever1\r\n--b--\r\n'
    )
    response = await api.request(
        "POST",
        "login_access_token",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b; charset=unicode_escape"},
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET is_active = false WHERE user_id = $1",
        "UPDATE users SET password_hash = 'not a hash' WHERE user_id = $1",
    ],
    ids=["inactive-user", "unreadable-stored-hash"],
)
async def test_account_that_cannot_log_in_gives_the_same_invalid_grant(
    api: Api, db: asyncpg.Connection, change: str
) -> None:
    await api.register()
    await db.execute(change, uuid.UUID(api.id))
    response = await api.login()
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_weaker_hash_is_upgraded_at_next_login(api: Api, db: asyncpg.Connection) -> None:
    await api.register()
    weak_hasher = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1, type=Type.ID)
    weak_hash = weak_hasher.hash(api.password)
    await db.execute("UPDATE users SET password_hash = $1 WHERE email = $2", weak_hash, api.email)
    assert (await api.login()).status_code == 200
    stored = await db.fetchval("SELECT password_hash FROM users WHERE email = $1", api.email)
    assert stored != weak_hash
    assert "m=64," in stored  # the app's current parameters (conftest CHEAP_HASHING)
    assert PasswordHasher().verify(stored, api.password)
    assert (await api.login()).status_code == 200


async def test_hash_from_hash_blocking_logs_in(api: Api, db: asyncpg.Connection) -> None:
    # The command line hashes without an event loop (`hash_blocking`).
    await api.register()
    password = "a brand new password"
    blocking_hash = api.services.password_hashing.hash_blocking(password)
    await db.execute(
        "UPDATE users SET password_hash = $1 WHERE email = $2", blocking_hash, api.email
    )
    assert (await api.login(password=password)).status_code == 200


async def test_account_deleted_during_login_gives_invalid_grant(
    api: Api, db: asyncpg.Connection
) -> None:
    await api.register()
    # The deletion is made but not committed: the login still reads the
    # account, then its new session waits on the row lock and finds the user
    # gone once the deletion commits.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("DELETE FROM users WHERE email = $1", api.email)
        login_task = asyncio.create_task(api.login())
        # Registration's verification message may wait on the row as well.
        await wait_for_lock_waiter(db, query_like="%INSERT INTO user_sessions%")
    finally:
        await transaction.commit()
    response = await login_task
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
