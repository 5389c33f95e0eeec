"""Account recovery by email, end to end: request, real SMTP delivery, reset over HTTP."""

import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.api import api_messages
from app.core.config import Settings, Smtp
from app.main import create_app
from app.tests.factories import (
    DEFAULT_PASSWORD,
    bearer,
    new_email,
    register,
    register_and_login,
    url,
)
from app.tests.mail import Inbox, finish_background_jobs, recovery_token, smtp_server

PUBLIC_URL = "https://accounts.example.com"
SENDER = "Accounts <accounts@example.com>"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture(scope="module")
async def mail_app(make_settings: Callable[..., Settings], inbox: Inbox) -> AsyncIterator[FastAPI]:
    async with smtp_server(inbox) as port:
        smtp = Smtp(host="127.0.0.1", port=port, security="none", sender=SENDER)
        settings = make_settings().model_copy(update={"smtp": smtp, "public_url": PUBLIC_URL})
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            yield application


@pytest.fixture
async def mail_client(
    mail_app: FastAPI, db: asyncpg.Connection, inbox: Inbox
) -> AsyncIterator[httpx.AsyncClient]:
    inbox.messages.clear()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=mail_app), base_url="http://localhost"
    ) as client:
        yield client


async def request_recovery(client: httpx.AsyncClient, app: FastAPI, email: str) -> httpx.Response:
    response = await client.post(url(app, "recover_password"), json={"email": email})
    await finish_background_jobs(app)
    return response


async def reset(
    client: httpx.AsyncClient, app: FastAPI, token: str, password: str = NEW_PASSWORD
) -> httpx.Response:
    return await client.post(
        url(app, "reset_password"), json={"token": token, "new_password": password}
    )


async def login_status(client: httpx.AsyncClient, app: FastAPI, email: str, password: str) -> int:
    response = await client.post(
        url(app, "login_access_token"), data={"username": email, "password": password}
    )
    return response.status_code


async def test_answer_is_the_same_for_known_and_unknown_emails(
    mail_client: httpx.AsyncClient, mail_app: FastAPI
) -> None:
    account = await register(mail_client, mail_app)
    known = await request_recovery(mail_client, mail_app, account.email)
    unknown = await request_recovery(mail_client, mail_app, new_email())
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"detail": api_messages.PASSWORD_RECOVERY_ACCEPTED}


async def test_email_carries_the_link_in_text_and_html_parts(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    [message] = inbox.messages
    assert message["To"] == account.email
    assert message["From"] == SENDER
    assert message.get_content_type() == "multipart/alternative"
    token = recovery_token(message)
    link = f"{PUBLIC_URL}/reset-password?token={token}"
    text_part = message.get_body(("plain",))
    assert text_part is not None
    assert link in text_part.get_content()
    html_part = message.get_body(("html",))
    assert html_part is not None
    assert f'href="{link}"' in html_part.get_content()


async def test_reset_with_emailed_token_sets_the_new_password(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 204
    assert await login_status(mail_client, mail_app, account.email, NEW_PASSWORD) == 200
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 400


async def test_email_is_matched_without_regard_to_case(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app, email=new_email().replace("user", "User"))
    await request_recovery(mail_client, mail_app, account.email.upper())
    [message] = inbox.messages
    assert message["To"] == account.email


async def test_unknown_email_sends_nothing(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await request_recovery(mail_client, mail_app, new_email())
    assert inbox.messages == []
    assert await db.fetchval("SELECT count(*) FROM password_reset_tokens") == 0


async def test_inactive_account_is_sent_nothing(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    await request_recovery(mail_client, mail_app, account.email)
    assert inbox.messages == []


async def test_token_is_stored_only_as_its_sha256_hash(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    token = recovery_token(inbox.messages[0])
    row = await db.fetchrow("SELECT * FROM password_reset_tokens")
    assert row is not None
    assert row["token_hash"] == hashlib.sha256(token.encode()).digest()
    assert token not in str(dict(row))


async def test_token_expires_after_an_hour_by_default(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    expires_at = await db.fetchval("SELECT expires_at FROM password_reset_tokens")
    lifetime = expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


async def test_expired_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await db.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 400
    assert response.json() == {"detail": api_messages.INVALID_RESET_TOKEN}
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 200


async def test_spent_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    token = recovery_token(inbox.messages[0])
    assert (await reset(mail_client, mail_app, token)).status_code == 204
    again = await reset(mail_client, mail_app, token, password="yet another passphrase")
    assert again.status_code == 400
    assert await login_status(mail_client, mail_app, account.email, NEW_PASSWORD) == 200


async def test_newer_token_invalidates_the_older_one(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await request_recovery(mail_client, mail_app, account.email)
    older, newer = (recovery_token(message) for message in inbox.messages)
    assert (await reset(mail_client, mail_app, older)).status_code == 400
    assert (await reset(mail_client, mail_app, newer)).status_code == 204


async def test_reset_revokes_every_session(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox
) -> None:
    account, tokens = await register_and_login(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    me = await mail_client.get(url(mail_app, "read_current_user"), headers=bearer(tokens))
    assert me.status_code == 401
    refreshed = await mail_client.post(
        url(mail_app, "refresh_token"), json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 400


async def test_reset_for_an_account_deactivated_meanwhile_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, db: asyncpg.Connection
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    response = await reset(mail_client, mail_app, recovery_token(inbox.messages[0]))
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["unknown", "", "\u0000", "x" * 1024])
async def test_unknown_token_is_refused(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, token: str
) -> None:
    response = await reset(mail_client, mail_app, token)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"token": "t", "new_password": "short"},
        {"token": "t", "new_password": "x" * 257},
        {"token": "t", "new_password": "password123"},
        {"token": "t"},
        {"token": "x" * 1025, "new_password": NEW_PASSWORD},
        {"token": 5, "new_password": NEW_PASSWORD},
    ],
    ids=["short", "long", "common", "missing", "long-token", "number"],
)
async def test_bad_reset_request_is_422(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, inbox: Inbox, body: dict[str, Any]
) -> None:
    account = await register(mail_client, mail_app)
    await request_recovery(mail_client, mail_app, account.email)
    response = await mail_client.post(
        url(mail_app, "reset_password"),
        json={**body, "token": recovery_token(inbox.messages[0])} if body["token"] == "t" else body,
    )
    assert response.status_code == 422
    assert await login_status(mail_client, mail_app, account.email, DEFAULT_PASSWORD) == 200


@pytest.mark.parametrize(
    "body", [{"email": "not an email"}, {"email": ""}, {}, {"email": 5}, {"email": "a\u0000@b.c"}]
)
async def test_recovery_for_a_non_email_is_422(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, body: dict[str, Any]
) -> None:
    response = await mail_client.post(url(mail_app, "recover_password"), json=body)
    assert response.status_code == 422
