"""Email verification: the message at registration, resend, verify, and what proves an address."""

import hashlib
import uuid

import asyncpg

from app.core.superusers import make_superuser
from app.tests.api_client import Api, messages
from app.tests.lifecycle.conftest import MailApi
from app.tests.lifecycle.support import (
    VERIFY_SUBJECT,
    html_of,
    link_token,
    only,
    text_of,
    verification_token,
)
from app.tests.recovery.support import PUBLIC_URL, Inbox, SlowInbox, recovery_token, smtp_server

INVALID = {"detail": messages.INVALID_VERIFICATION_TOKEN}


async def registered(api: Api, inbox: Inbox) -> Api:
    """A new account whose verification message has arrived; its client logged in."""
    user = await api.new_user()
    await user.finish_background_jobs()
    return user


async def test_registration_mails_a_link_in_text_and_html(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    message = only(inbox, VERIFY_SUBJECT, user.email)
    token = link_token(message, "verify-email")
    link = f"{PUBLIC_URL}/verify-email?token={token}"
    assert link in text_of(message)
    assert f'href="{link}"' in html_of(message)
    assert "Accounts" in text_of(message)  # the product name from the settings


async def test_registration_answers_before_the_message_is_sent(mail_api: MailApi) -> None:
    slow = SlowInbox(delay_secs=0.5)
    async with smtp_server(slow) as port:
        smtp = {"host": "127.0.0.1", "port": port, "security": "none"}
        async with mail_api(smtp=smtp) as api:
            response = await api.register()
            assert response.status_code == 201
            assert slow.messages == []  # not sent yet: the 201 did not wait for it
            await api.finish_background_jobs()
    assert len(slow.with_subject(VERIFY_SUBJECT)) == 1


async def test_verifying_marks_the_address_verified(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    assert (await user.me()).json()["email_verified"] is False
    response = await user.verify_email(verification_token(inbox, user.email))
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert response.json()["user_id"] == user.id
    assert (await user.me()).json()["email_verified"] is True
    assert (await user.event_types())[-1] == "email.verified"


async def test_a_token_works_once(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    token = verification_token(inbox, user.email)
    assert (await user.verify_email(token)).status_code == 200
    again = await user.verify_email(token)
    assert again.status_code == 400
    assert again.json() == INVALID


async def test_an_expired_token_is_refused(api: Api, inbox: Inbox, db: asyncpg.Connection) -> None:
    user = await registered(api, inbox)
    await db.execute("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
    assert (await user.verify_email(verification_token(inbox, user.email))).json() == INVALID
    assert (await user.me()).json()["email_verified"] is False


async def test_it_is_valid_for_24_hours_by_default(
    api: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await registered(api, inbox)
    lifetime = await db.fetchval("SELECT expires_at - now() FROM email_tokens")
    assert 23 * 3600 < lifetime.total_seconds() <= 24 * 3600


async def test_unknown_tokens_are_refused(api: Api) -> None:
    for token in ("", "x", "A" * 43, "\u00e9" * 10):
        response = await api.verify_email(token)
        assert response.status_code == 400, token
        assert response.json() == INVALID


async def test_malformed_bodies_are_422_and_never_echo_the_token(api: Api) -> None:
    bodies: list[object] = [{}, {"token": 5}, {"token": "a" * 1025}, {"token": "secret\u0000"}, []]
    for body in bodies:
        response = await api.request("POST", "verify_email", json=body)
        assert response.status_code == 422, body
        assert "secret" not in response.text
        assert "a" * 1025 not in response.text


async def test_the_token_is_stored_only_as_its_hash(
    api: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    user = await registered(api, inbox)
    token = verification_token(inbox, user.email)
    row = await db.fetchrow("SELECT * FROM email_tokens")
    assert row is not None
    assert row["token_hash"] == hashlib.sha256(token.encode()).digest()
    assert token not in str(dict(row))


async def test_resend_mails_a_new_link_that_replaces_the_older(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    older = verification_token(inbox, user.email)
    inbox.messages.clear()
    response = await user.resend_verification()
    assert response.status_code == 202
    assert response.json() == {"detail": messages.VERIFICATION_ACCEPTED}
    await user.finish_background_jobs()
    newer = verification_token(inbox, user.email)
    assert (await user.verify_email(older)).status_code == 400
    assert (await user.verify_email(newer)).status_code == 200


async def test_resend_for_a_verified_address_sends_nothing(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    await user.verify_email(verification_token(inbox, user.email))
    inbox.messages.clear()
    assert (await user.resend_verification()).status_code == 202
    await user.finish_background_jobs()
    assert inbox.messages == []


async def test_resend_needs_a_signed_in_user(api: Api) -> None:
    response = await api.resend_verification()
    assert response.status_code == 401


async def test_resend_is_throttled_per_account(user: Api) -> None:
    for _ in range(5):
        assert (await user.resend_verification()).status_code == 202
    response = await user.resend_verification()
    assert response.status_code == 429
    assert "Retry-After" in response.headers


async def test_tokens_of_other_kinds_are_unknown_here(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    verification = verification_token(inbox, user.email)
    await user.recover()
    recovery = recovery_token(only(inbox, "Reset your password"))
    assert (await user.verify_email(recovery)).json() == INVALID
    assert (await user.confirm_email(verification)).status_code == 400
    assert (await user.reset_password(verification)).status_code == 400
    # Neither was spent by being tried at the wrong endpoint.
    assert (await user.verify_email(verification)).status_code == 200


async def test_a_password_reset_marks_the_address_verified(api: Api, inbox: Inbox) -> None:
    user = await registered(api, inbox)
    await user.recover()
    assert (
        await user.reset_password(recovery_token(only(inbox, "Reset your password")))
    ).status_code == 204
    await user.login(password="an entirely new passphrase")
    assert (await user.me()).json()["email_verified"] is True


async def test_a_deactivated_account_cannot_verify(
    api: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    user = await registered(api, inbox)
    await db.execute("UPDATE users SET is_active = false")
    assert (await user.verify_email(verification_token(inbox, user.email))).json() == INVALID


async def test_superusers_made_on_the_command_line_are_verified(
    api: Api, db: asyncpg.Connection
) -> None:
    user = await api.new_user()
    await make_superuser(db=user.services.database, email=user.email, password_hash="x")
    created = f"root-{uuid.uuid4().hex[:8]}@example.com"
    await make_superuser(db=user.services.database, email=created, password_hash="x")
    rows = await db.fetch("SELECT email_verified FROM users")
    assert [row["email_verified"] for row in rows] == [True, True]
