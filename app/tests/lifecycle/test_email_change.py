"""Email change: POST /users/me/email, then POST /auth/confirm-email from the new address."""

import asyncio

import asyncpg
import pytest

from app.tests.api_client import Api, messages
from app.tests.factories import new_email
from app.tests.lifecycle.support import CHANGE_SUBJECT, link_token, only, text_of
from app.tests.locks import wait_for_lock_waiter
from app.tests.recovery.support import Inbox

INVALID = {"detail": messages.INVALID_EMAIL_CHANGE_TOKEN}
REQUESTED_SUBJECT = "A change of your email address was requested"
CHANGED_SUBJECT = "Your email address was changed"


async def request_change(user: Api, inbox: Inbox, new_address: str) -> str:
    """Ask for the change; the token of the link the new address got."""
    response = await user.change_email(new_address)
    assert response.status_code == 202, response.text
    await user.finish_background_jobs()
    return link_token(only(inbox, CHANGE_SUBJECT, new_address), "confirm-email")


async def test_request_mails_the_link_to_the_new_address_only(user: Api, inbox: Inbox) -> None:
    old, new = user.email, new_email()
    response = await user.change_email(new)
    assert response.status_code == 202
    assert response.json() == {"detail": messages.EMAIL_CHANGE_ACCEPTED}
    await user.finish_background_jobs()
    token = link_token(only(inbox, CHANGE_SUBJECT, new), "confirm-email")
    notice = only(inbox, REQUESTED_SUBJECT, old)
    assert token not in text_of(notice)
    assert "confirm-email" not in text_of(notice)
    assert {message["To"] for message in inbox.messages} == {old, new}
    # Nothing changes until the new address confirms.
    assert (await user.me()).json()["email"] == old
    assert (await user.login()).status_code == 200
    assert (await user.event_types())[-2:] == ["email.change_requested", "login.succeeded"]


async def test_confirming_moves_the_account_and_keeps_its_sessions(user: Api, inbox: Inbox) -> None:
    old, new = user.email, new_email()
    other_session = await user.new_session()
    token = await request_change(user, inbox, new)
    inbox.messages.clear()
    response = await user.anonymous().confirm_email(token)
    assert response.status_code == 200
    assert response.json()["email"] == new
    assert response.json()["email_verified"] is True
    assert await other_session.session_works()
    assert await user.session_works()
    assert (await user.login(email=new)).status_code == 200
    assert (await user.login(email=old)).status_code == 400
    await user.finish_background_jobs()
    notice = only(inbox, CHANGED_SUBJECT, old)
    assert new in text_of(notice)
    assert "email.changed" in await user.event_types()


async def test_a_confirmation_works_once(user: Api, inbox: Inbox) -> None:
    token = await request_change(user, inbox, new_email())
    assert (await user.confirm_email(token)).status_code == 200
    assert (await user.confirm_email(token)).json() == INVALID


async def test_an_expired_link_is_refused(user: Api, inbox: Inbox, db: asyncpg.Connection) -> None:
    token = await request_change(user, inbox, new_email())
    await db.execute("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
    assert (await user.confirm_email(token)).json() == INVALID


async def test_the_link_lives_an_hour_by_default(
    user: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await request_change(user, inbox, new_email())
    lifetime = await db.fetchval(
        "SELECT expires_at - now() FROM email_tokens WHERE kind = 'change'"
    )
    assert 59 * 60 < lifetime.total_seconds() <= 3600


async def test_a_newer_request_replaces_the_older_link(user: Api, inbox: Inbox) -> None:
    older = await request_change(user, inbox, new_email())
    newest_address = new_email()
    newer = await request_change(user, inbox, newest_address)
    assert (await user.confirm_email(older)).json() == INVALID
    assert (await user.confirm_email(newer)).json()["email"] == newest_address


async def test_an_address_registered_meanwhile_gets_409_and_changes_nothing(
    user: Api, inbox: Inbox
) -> None:
    old, new = user.email, new_email()
    token = await request_change(user, inbox, new)
    assert (await user.anonymous().register(new.upper())).status_code == 201
    response = await user.confirm_email(token)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}
    assert (await user.me()).json()["email"] == old
    assert "email.changed" not in await user.event_types()


async def test_a_wrong_current_password_is_400_and_counted(user: Api, inbox: Inbox) -> None:
    response = await user.change_email(new_email(), current_password="not my password")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CURRENT_PASSWORD}
    await user.finish_background_jobs()
    assert inbox.messages == []


async def test_wrong_passwords_count_as_failed_logins(user: Api) -> None:
    statuses = [
        (await user.change_email(new_email(), current_password="wrong guess")).status_code
        for _ in range(5)
    ]
    assert statuses == [400] * 5
    # The account's failures from this address are used up: even the right
    # password is refused from here now.
    assert (await user.login()).status_code == 429


async def test_requests_are_throttled_per_account(user: Api) -> None:
    for _ in range(5):
        assert (await user.change_email(new_email())).status_code == 202
    response = await user.change_email(new_email())
    assert response.status_code == 429


@pytest.mark.parametrize("transform", [str, str.upper])
async def test_the_current_address_gets_409(user: Api, transform: object) -> None:
    assert callable(transform)
    response = await user.change_email(transform(user.email))
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_UNCHANGED}


async def test_a_registered_address_gets_409(user: Api) -> None:
    other = await user.anonymous().new_user()
    response = await user.change_email(other.email)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.EMAIL_ALREADY_REGISTERED}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"new_email": "not an email", "current_password": "x"},
        {"new_email": "a@b.c"},
        {"new_email": "a\u0000@b.c", "current_password": "x"},
        {"new_email": "a" * 300 + "@example.com", "current_password": "x"},
    ],
)
async def test_malformed_requests_are_422(user: Api, body: dict[str, str]) -> None:
    response = await user.request("POST", "change_email", json=body)
    assert response.status_code == 422


async def test_the_current_password_is_never_echoed(user: Api) -> None:
    body = {"new_email": "nope", "current_password": "my-secret-pass"}
    response = await user.request("POST", "change_email", json=body)
    assert response.status_code == 422
    assert "my-secret-pass" not in response.text


async def test_it_needs_a_signed_in_user(api: Api) -> None:
    response = await api.change_email(new_email(), current_password="x")
    assert response.status_code == 401


async def test_recovery_links_sent_to_the_old_address_stop_working(
    user: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    await user.recover()
    token = await request_change(user, inbox, new_email())
    assert await db.fetchval("SELECT count(*) FROM password_reset_tokens") == 1
    await user.confirm_email(token)
    assert await db.fetchval("SELECT count(*) FROM password_reset_tokens") == 0


async def test_a_verification_token_is_unknown_to_confirm(api: Api, inbox: Inbox) -> None:
    user = await api.new_user()
    await user.finish_background_jobs()
    verification = link_token(only(inbox, "Confirm your email address"), "verify-email")
    assert (await user.confirm_email(verification)).json() == INVALID


async def test_an_account_deleted_during_the_request_gets_no_link(
    user: Api, inbox: Inbox, db: asyncpg.Connection
) -> None:
    # The deletion is made but not committed: the request still reads the
    # account, then its token waits on the account's row and finds it gone
    # once the deletion commits. It ends without a token, a link or an error.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute("DELETE FROM users")
        request = asyncio.create_task(user.change_email(new_email()))
        await wait_for_lock_waiter(db)
    finally:
        await transaction.commit()
    assert (await request).status_code == 202
    await user.finish_background_jobs()
    assert inbox.messages == []
    assert await db.fetchval("SELECT count(*) FROM email_tokens") == 0
