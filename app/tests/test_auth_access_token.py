"""POST /auth/access-token: the OAuth2 token endpoint (password and refresh_token grants)."""

import asyncio
import hashlib
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher, Type
from fastapi import FastAPI

from app.api import api_messages
from app.tests.factories import (
    DEFAULT_PASSWORD,
    assert_session_revoked,
    claims_of,
    login,
    refresh,
    register,
    register_and_login,
    url,
    wait_for_lock_waiter,
)

INVALID_GRANT = {"detail": api_messages.INCORRECT_EMAIL_OR_PASSWORD, "error": "invalid_grant"}


async def post_token(client: httpx.AsyncClient, app: FastAPI, **kwargs: Any) -> httpx.Response:
    return await client.post(url(app, "login_access_token"), **kwargs)


async def test_password_grant_returns_the_tokens_object(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    before = int(time.time())
    response = await post_token(
        client,
        app,
        data={"grant_type": "password", "username": account.email, "password": account.password},
    )
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
    assert tokens["expires_at"] == claims_of(tokens)["exp"]
    after = int(time.time())
    assert before + 15 * 60 <= tokens["expires_at"] <= after + 15 * 60
    assert before + 28 * 24 * 3600 <= tokens["refresh_token_expires_at"] <= after + 28 * 24 * 3600


async def test_grant_type_defaults_to_password(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 200


async def test_token_response_is_not_cached(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_carries_the_required_claims(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account, tokens = await register_and_login(client, app)
    claims = claims_of(tokens)
    assert set(claims) >= {"iss", "sub", "iat", "exp", "jti", "sid"}
    assert claims["sub"] == account.user["user_id"]
    uuid.UUID(claims["sid"])


async def test_refresh_token_is_random_and_stored_only_as_its_hash(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    token = tokens["refresh_token"]
    assert len(token) >= 43  # 256 bits in base64url
    stored = await db.fetch("SELECT token_hash FROM refresh_tokens")
    assert [row["token_hash"] for row in stored] == [hashlib.sha256(token.encode()).digest()]


async def test_each_login_opens_a_new_session(client: httpx.AsyncClient, app: FastAPI) -> None:
    account, first = await register_and_login(client, app)
    second = await login(client, app, email=account.email)
    assert claims_of(first)["sid"] != claims_of(second)["sid"]


async def test_login_email_is_case_insensitive(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app, email=f"Case-{uuid.uuid4().hex[:8]}@Example.com")
    for variant in (account.email.upper(), account.email.lower()):
        await login(client, app, email=variant)


async def test_login_through_a_multipart_form(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client,
        app,
        files={"username": (None, account.email), "password": (None, account.password)},
    )
    assert response.status_code == 200


async def test_wrong_password_gives_invalid_grant(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    response = await post_token(
        client, app, data={"username": account.email, "password": "wrong password!"}
    )
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
async def test_unknown_email_gives_the_same_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, username: str
) -> None:
    response = await post_token(client, app, data={"username": username, "password": "whatever1"})
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_email_with_lone_surrogate_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # A multipart charset decodes `\ud800` into a lone surrogate, which no
    # stored email can hold.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n\\ud800@example.com\r\n'
        b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nwhatever1\r\n--b--\r\n'
    )
    response = await post_token(
        client,
        app,
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b; charset=unicode_escape"},
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_inactive_user_gives_the_same_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


async def test_unreadable_stored_hash_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    await db.execute(
        "UPDATE users SET password_hash = 'not a hash' WHERE email = $1", account.email
    )
    response = await post_token(
        client, app, data={"username": account.email, "password": account.password}
    )
    assert response.json() == INVALID_GRANT


async def test_weaker_hash_is_upgraded_at_next_login(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    weak_hasher = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1, type=Type.ID)
    weak_hash = weak_hasher.hash(account.password)
    await db.execute(
        "UPDATE users SET password_hash = $1 WHERE email = $2", weak_hash, account.email
    )
    await login(client, app, email=account.email)
    stored = await db.fetchval("SELECT password_hash FROM users WHERE email = $1", account.email)
    assert stored != weak_hash
    assert "m=64," in stored  # the app's current parameters (conftest CHEAP_HASHING)
    assert PasswordHasher().verify(stored, account.password)
    await login(client, app, email=account.email)


async def test_hash_from_hash_blocking_logs_in(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    # The command line hashes without an event loop (`hash_blocking`).
    account = await register(client, app)
    password = "a brand new password"
    blocking_hash = app.state.password_hashing.hash_blocking(password)
    await db.execute(
        "UPDATE users SET password_hash = $1 WHERE email = $2", blocking_hash, account.email
    )
    await login(client, app, email=account.email, password=password)


async def test_account_deleted_during_login_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    # The deletion is made but not committed: the login still reads the
    # account, then its new session waits on the row lock and finds the user
    # gone once the deletion commits.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("DELETE FROM users WHERE email = $1", account.email)
        login_task = asyncio.create_task(
            post_token(client, app, data={"username": account.email, "password": account.password})
        )
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    response = await login_task
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT


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
        "detail": api_messages.MALFORMED_TOKEN_REQUEST,
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
        "detail": api_messages.UNSUPPORTED_GRANT_TYPE,
        "error": "unsupported_grant_type",
    }


async def refresh_grant(
    client: httpx.AsyncClient, app: FastAPI, refresh_token: str
) -> httpx.Response:
    return await post_token(
        client, app, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def test_refresh_grant_rotates_within_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    response = await refresh_grant(client, app, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["token_type"] == "bearer"
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert claims_of(rotated)["sid"] == claims_of(tokens)["sid"]
    assert rotated["expires_at"] == claims_of(rotated)["exp"]


async def test_refresh_grant_with_spent_token_gives_invalid_grant(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200
    response = await refresh_grant(client, app, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "detail": api_messages.INVALID_REFRESH_TOKEN,
        "error": "invalid_grant",
    }


async def test_refresh_grant_token_then_works_on_refresh_endpoint(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh_grant(client, app, tokens["refresh_token"])).json()
    assert (await refresh(client, app, rotated["refresh_token"])).status_code == 200


async def test_refresh_grant_replay_after_grace_period_revokes_the_session(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    rotated = (await refresh_grant(client, app, tokens["refresh_token"])).json()
    await db.execute("UPDATE refresh_tokens SET spent_at = spent_at - interval '11 seconds'")
    assert (await refresh_grant(client, app, tokens["refresh_token"])).status_code == 400
    await assert_session_revoked(client, app, rotated)
