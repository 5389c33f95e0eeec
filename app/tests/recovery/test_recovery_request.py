"""POST /auth/password-recovery: one answer for every email, an email only for real accounts."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import new_email, register, url
from app.tests.recovery.support import (
    PUBLIC_URL,
    SENDER,
    Inbox,
    recovery_token,
    request_recovery,
)


async def test_answer_is_the_same_for_known_and_unknown_emails(
    mail_client: httpx.AsyncClient, mail_app: FastAPI
) -> None:
    account = await register(mail_client, mail_app)
    known = await request_recovery(mail_client, mail_app, account.email)
    unknown = await request_recovery(mail_client, mail_app, new_email())
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"detail": messages.PASSWORD_RECOVERY_ACCEPTED}


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


@pytest.mark.parametrize(
    "body", [{"email": "not an email"}, {"email": ""}, {}, {"email": 5}, {"email": "a\u0000@b.c"}]
)
async def test_recovery_for_a_non_email_is_422(
    mail_client: httpx.AsyncClient, mail_app: FastAPI, body: dict[str, Any]
) -> None:
    response = await mail_client.post(url(mail_app, "recover_password"), json=body)
    assert response.status_code == 422
