"""POST /auth/password-recovery: one answer for every email, an email only for real accounts."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from app.tests.api_client import Api, messages
from app.tests.factories import deactivate, new_email
from app.tests.recovery.support import PUBLIC_URL, SENDER, Inbox, recovery_token


async def test_answer_is_the_same_for_known_and_unknown_emails(user: Api) -> None:
    known = await user.recover()
    unknown = await user.recover(new_email())
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"detail": messages.PASSWORD_RECOVERY_ACCEPTED}


async def test_email_carries_the_link_in_text_and_html_parts(user: Api, inbox: Inbox) -> None:
    await user.recover()
    [message] = inbox.messages
    assert message["To"] == user.email
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


async def test_email_is_matched_without_regard_to_case(api: Api, inbox: Inbox) -> None:
    await api.register(new_email().replace("user", "User"))
    await api.recover(api.email.upper())
    [message] = inbox.with_subject("Reset your password")
    assert message["To"] == api.email


async def test_unknown_email_sends_nothing(api: Api, inbox: Inbox, db: asyncpg.Connection) -> None:
    await api.recover(new_email())
    assert inbox.messages == []
    assert await db.fetchval("SELECT count(*) FROM password_reset_tokens") == 0


async def test_inactive_account_is_sent_nothing(
    user: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await deactivate(db, user.id)
    await user.recover()
    assert inbox.messages == []


async def test_token_is_stored_only_as_its_sha256_hash(
    user: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await user.recover()
    token = recovery_token(inbox.messages[0])
    row = await db.fetchrow("SELECT * FROM password_reset_tokens")
    assert row is not None
    assert row["token_hash"] == hashlib.sha256(token.encode()).digest()
    assert token not in str(dict(row))


async def test_token_expires_after_an_hour_by_default(user: Api, db: asyncpg.Connection) -> None:
    await user.recover()
    expires_at = await db.fetchval("SELECT expires_at FROM password_reset_tokens")
    lifetime = expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


@pytest.mark.parametrize(
    "body", [{"email": "not an email"}, {"email": ""}, {}, {"email": 5}, {"email": "a\u0000@b.c"}]
)
async def test_recovery_for_a_non_email_is_422(api: Api, body: dict[str, Any]) -> None:
    response = await api.request("POST", "recover_password", json=body)
    assert response.status_code == 422
