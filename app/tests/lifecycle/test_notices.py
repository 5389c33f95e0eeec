"""Notices: the account's address hears of changes to its security, never delaying a request."""

import asyncio
import socket

import pytest
from prometheus_client import REGISTRY

from app.tests.api_client import NEW_PASSWORD, Api, ApiFactory
from app.tests.factories import new_email
from app.tests.lifecycle.conftest import MailApi
from app.tests.lifecycle.support import RESET_SUBJECT, html_of, only, text_of
from app.tests.recovery.support import Inbox, recovery_token


async def delivered(user: Api, inbox: Inbox) -> list[tuple[str, str]]:
    """(recipient, subject) of every message sent so far."""
    await user.finish_background_jobs()
    return [(message["To"], message["Subject"]) for message in inbox.messages]


async def test_a_password_change_sends_a_notice(user: Api, inbox: Inbox) -> None:
    await user.request(
        "PUT",
        "change_current_user_password",
        json={"current_password": user.password, "new_password": NEW_PASSWORD},
        headers={"User-Agent": "Notice-Test/1"},
    )
    assert await delivered(user, inbox) == [(user.email, "Your password was changed")]
    message = only(inbox, "Your password was changed")
    assert "Notice-Test/1" in text_of(message)
    assert "127.0.0.1" in text_of(message)
    assert "Notice-Test/1" in html_of(message)


async def test_a_password_reset_sends_a_notice(user: Api, inbox: Inbox) -> None:
    await user.recover()
    token = recovery_token(only(inbox, RESET_SUBJECT))
    inbox.messages.clear()
    assert (await user.reset_password(token)).status_code == 204
    assert await delivered(user, inbox) == [(user.email, "Your password was reset")]


async def test_refresh_token_reuse_sends_a_notice(user: Api, inbox: Inbox) -> None:
    stolen = user.tokens["refresh_token"]
    await user.refresh()
    await user.refresh()
    await user.refresh(stolen)
    assert await delivered(user, inbox) == [(user.email, "A session of your account was ended")]


async def test_a_replay_within_the_grace_period_sends_nothing(user: Api, inbox: Inbox) -> None:
    spent = user.tokens["refresh_token"]
    await user.refresh()
    assert (await user.refresh(spent)).status_code == 400
    assert await delivered(user, inbox) == []


async def test_an_email_change_request_notifies_the_old_address(user: Api, inbox: Inbox) -> None:
    new = new_email()
    await user.change_email(new)
    sent = await delivered(user, inbox)
    assert (user.email, "A change of your email address was requested") in sent
    assert new in text_of(only(inbox, "A change of your email address was requested"))


async def test_no_new_device_notice_unless_switched_on(user: Api, inbox: Inbox) -> None:
    await user.request(
        "POST",
        "login_access_token",
        data={"username": user.email, "password": user.password},
        headers={"User-Agent": "Elsewhere/1"},
    )
    assert await delivered(user, inbox) == []


async def login_with(user: Api, user_agent: str) -> None:
    response = await user.request(
        "POST",
        "login_access_token",
        data={"username": user.email, "password": user.password},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200


async def test_a_new_device_gets_a_notice_when_switched_on(mail_api: MailApi, inbox: Inbox) -> None:
    async with mail_api(notify={"new_device_sign_in": True}) as api:
        await api.register()
        await login_with(api, "Laptop/1")  # the first login: no notice
        await login_with(api, "Laptop/1")  # a known device: no notice
        assert await delivered(api, inbox) == [(api.email, "Confirm your email address")]
        inbox.messages.clear()
        await login_with(api, "Phone/7")
        assert await delivered(api, inbox) == [(api.email, "New sign-in to your account")]
        assert "Phone/7" in text_of(inbox.messages[0])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def failed_sends(template: str) -> float:
    labels = {"template": template, "outcome": "failed"}
    return REGISTRY.get_sample_value("emails_total", labels) or 0.0


async def test_a_failed_send_is_logged_and_counted_and_the_request_succeeds(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture
) -> None:
    smtp = {"host": "127.0.0.1", "port": closed_port(), "security": "none", "timeout_secs": 2.0}
    async with make_api(smtp=smtp) as api:
        before = failed_sends("password_changed")
        user = await api.new_user()
        assert (await user.change_password()).status_code == 204
        await asyncio.wait_for(user.finish_background_jobs(), timeout=10)
        assert failed_sends("password_changed") == before + 1
        scrape = (await api.metrics()).text
        assert 'emails_total{outcome="failed",template="password_changed"}' in scrape
    assert "Background job password_changed email failed" in app_logs.text
