"""How recovery emails leave: SMTP options, failures that never reach the client, the log
fallback, and shutdown with sends in flight."""

import logging
import socket
import time
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from app.tests.api_client import Api, ApiFactory
from app.tests.recovery.support import LINK, Inbox, SlowInbox, silent_server, smtp_server

JOB_FAILED = "Background job password recovery email failed"


def mailing_api(
    make_api: ApiFactory, smtp: dict[str, Any], **settings: Any
) -> AbstractAsyncContextManager[Api]:
    """A client of a new app that sends to an SMTP server on 127.0.0.1, in clear unless told."""
    return make_api(smtp={"host": "127.0.0.1", "security": "none", **smtp}, **settings)


async def ask_for_recovery(api: Api) -> None:
    """A new account asks for a recovery email; returns before the email job is done."""
    await api.register()
    response = await api.recover(wait=False)
    assert response.status_code == 202


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_without_smtp_host_the_email_and_its_link_go_to_the_log(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture
) -> None:
    async with make_api() as api:
        await api.register()
        await api.recover()
        match = LINK.search(app_logs.text)
        assert match is not None, app_logs.text
        assert match.group(1) == "http://127.0.0.1:8000"
        assert api.email in app_logs.text
        # The logged link is a working one.
        assert (await api.reset_password(match.group(2))).status_code == 204


async def test_unreachable_smtp_server_still_gets_202_and_the_failure_is_logged(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture
) -> None:
    async with mailing_api(make_api, {"port": closed_port()}) as api:
        await ask_for_recovery(api)
        await api.finish_background_jobs()
    [failure] = [record for record in app_logs.records if record.getMessage() == JOB_FAILED]
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None


async def test_hanging_smtp_server_does_not_delay_the_answer(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture
) -> None:
    async with (
        silent_server() as port,
        mailing_api(make_api, {"port": port, "timeout_secs": 2.0}) as api,
    ):
        await api.register()
        started = time.perf_counter()
        response = await api.recover(wait=False)
        elapsed = time.perf_counter() - started
        await api.finish_background_jobs()
    assert response.status_code == 202
    assert elapsed < 1.0
    assert JOB_FAILED in app_logs.text


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_encrypted_delivery_never_falls_back_to_cleartext(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture, security: str
) -> None:
    inbox = Inbox()
    # A server that offers no TLS at all: sending must fail rather than go in clear.
    smtp = {"security": security, "timeout_secs": 2.0}
    async with smtp_server(inbox) as port, mailing_api(make_api, {**smtp, "port": port}) as api:
        await ask_for_recovery(api)
        await api.finish_background_jobs()
    assert inbox.messages == []
    assert JOB_FAILED in app_logs.text


async def test_token_lifetime_follows_the_setting(
    make_api: ApiFactory, db: asyncpg.Connection
) -> None:
    inbox = Inbox()
    lifetime_setting = {"password_reset_token_expire_secs": 120}
    async with (
        smtp_server(inbox) as port,
        mailing_api(make_api, {"port": port}, security=lifetime_setting) as api,
    ):
        await ask_for_recovery(api)
        await api.finish_background_jobs()
    lifetime = await db.fetchval("SELECT expires_at - created_at FROM password_reset_tokens")
    assert timedelta(seconds=119) < lifetime <= timedelta(seconds=120)
    [message] = inbox.with_subject("Reset your password")
    text_part = message.get_body(("plain",))
    assert text_part is not None
    assert "within 2 minutes" in text_part.get_content()


async def test_smtp_login_uses_the_configured_credentials(make_api: ApiFactory) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"relay secret")

    inbox = Inbox()
    credentials = {"username": SecretStr("relay-user"), "password": SecretStr("relay secret")}
    async with (
        smtp_server(
            inbox, authenticator=authenticate, auth_required=True, auth_require_tls=False
        ) as port,
        mailing_api(make_api, {"port": port, **credentials}) as api,
    ):
        await ask_for_recovery(api)
        await api.finish_background_jobs()
    # The welcome (verification) message and the recovery message.
    assert logins == [(b"relay-user", b"relay secret")] * 2
    assert len(inbox.with_subject("Reset your password")) == 1


async def test_shutdown_waits_for_a_send_in_progress(make_api: ApiFactory) -> None:
    inbox = SlowInbox(delay_secs=0.1)
    async with smtp_server(inbox) as port:
        async with mailing_api(make_api, {"port": port, "timeout_secs": 3.0}) as api:
            await ask_for_recovery(api)
        # The lifespan has ended: the message got out before it did.
        assert len(inbox.with_subject("Reset your password")) == 1


async def test_shutdown_cancels_a_send_that_outlives_the_deadline(
    make_api: ApiFactory, app_logs: pytest.LogCaptureFixture
) -> None:
    # Each answer comes within the client's timeout, but the whole exchange
    # takes longer than the shutdown deadline (the same timeout).
    inbox = SlowInbox(delay_secs=0.7)
    async with smtp_server(inbox) as port:
        async with mailing_api(make_api, {"port": port, "timeout_secs": 1.0}) as api:
            await ask_for_recovery(api)
            shutdown_started = time.perf_counter()
        shutdown_secs = time.perf_counter() - shutdown_started
    assert inbox.messages == []
    assert shutdown_secs < 2.5  # the whole exchange would take 5 answers x 0.7 s
    assert "Background job password recovery email cancelled at shutdown" in app_logs.text
