"""SECURITY__REQUIRE_VERIFIED_EMAIL: an unverified address opens no session while it is on."""

import uuid

import asyncpg
import pytest

from app.core import token_grants
from app.core.client_address import Client
from app.core.errors import InvalidGrantError
from app.tests.api_client import Api, AppFactory, messages
from app.tests.apps import services_of_app
from app.tests.lifecycle.support import verification_token
from app.tests.recovery.support import Inbox

NOT_VERIFIED = {"error": "invalid_grant", "detail": messages.EMAIL_NOT_VERIFIED}
INCORRECT = {"error": "invalid_grant", "detail": messages.INCORRECT_EMAIL_OR_PASSWORD}
REQUIRED = {"security": {"require_verified_email": True}}


async def test_off_by_default_an_unverified_address_signs_in(user: Api) -> None:
    assert (await user.me()).json()["email_verified"] is False
    assert (await user.login()).status_code == 200


async def test_on_a_correct_password_for_an_unverified_address_gets_400(
    make_app: AppFactory, db: asyncpg.Connection
) -> None:
    async with make_app(**REQUIRED) as app, Api.connect(app) as api:
        assert (await api.register()).status_code == 201
        response = await api.login()
        assert response.status_code == 400
        assert response.json() == NOT_VERIFIED
        assert await db.fetchval("SELECT count(*) FROM user_sessions") == 0
        wrong = await api.login(password="not the password")
        assert wrong.json() == INCORRECT
        # A correct password is no failure: it does not use up the throttle.
        for _ in range(6):
            assert (await api.login()).json() == NOT_VERIFIED


async def test_on_a_verified_address_signs_in(make_app: AppFactory, api: Api, inbox: Inbox) -> None:
    user = await api.new_user()
    await user.finish_background_jobs()
    await user.verify_email(verification_token(inbox, user.email))
    async with make_app(**REQUIRED) as app, Api.connect(app) as strict:
        assert (await user.via(strict).login()).status_code == 200


async def test_sessions_opened_before_it_was_on_keep_refreshing(
    make_app: AppFactory, user: Api
) -> None:
    async with make_app(**REQUIRED) as app, Api.connect(app) as strict:
        same = user.via(strict)
        assert (await same.refresh()).status_code == 200
        assert (await same.refresh(grant=True)).status_code == 200
        assert (await same.login()).json() == NOT_VERIFIED


@pytest.mark.parametrize(
    "change", ["UPDATE users SET email_verified = false", "UPDATE users SET is_active = false"]
)
async def test_no_grant_can_open_a_session_the_settings_forbid(
    make_app: AppFactory, user: Api, db: asyncpg.Connection, change: str
) -> None:
    # Every grant that signs in (password, second factor, passkey) opens its
    # session with `open_session_tokens`, whose statement checks the account
    # itself: an account that became unverified or inactive after its
    # credentials were checked gets no session.
    await db.execute("UPDATE users SET email_verified = true")
    async with make_app(**REQUIRED) as app:
        await db.execute(change)
        with pytest.raises(InvalidGrantError):
            await token_grants.open_session_tokens(
                services=services_of_app(app),
                client=Client(address="127.0.0.1"),
                user_id=uuid.UUID(user.id),
                email=user.email,
                amr=["pwd", "otp"],
            )
    assert await db.fetchval("SELECT count(*) FROM user_sessions") == 1  # the fixture's login
