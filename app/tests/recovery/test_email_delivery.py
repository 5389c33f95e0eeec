"""How recovery emails leave: SMTP options, failures that never reach the client, the log
fallback, and shutdown with sends in flight."""

import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI
from pydantic import SecretStr

from app.core.config import Settings, Smtp
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import register, url
from app.tests.recovery.support import (
    LINK,
    Inbox,
    SlowInbox,
    finish_background_jobs,
    silent_server,
    smtp_server,
)

JOB_FAILED = "Background job password recovery email failed"


@asynccontextmanager
async def app_with_smtp(
    make_settings: Callable[..., Settings],
    security_settings: dict[str, Any] | None = None,
    **smtp: Any,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = make_settings(**(security_settings or {})).model_copy(
        update={"smtp": Smtp(**{"host": "127.0.0.1", "security": "none", **smtp})}
    )
    async with running_app(settings) as application:
        transport = httpx.ASGITransport(app=with_lifespan_state(application))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield application, client


async def ask_for_recovery(app: FastAPI, client: httpx.AsyncClient) -> httpx.Response:
    account = await register(client, app)
    return await client.post(url(app, "recover_password"), json={"email": account.email})


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_without_smtp_host_the_email_and_its_link_go_to_the_log(
    client: httpx.AsyncClient, app: FastAPI, app_logs: pytest.LogCaptureFixture
) -> None:
    account = await register(client, app)
    await client.post(url(app, "recover_password"), json={"email": account.email})
    await finish_background_jobs(app)
    match = LINK.search(app_logs.text)
    assert match is not None, app_logs.text
    assert match.group(1) == "http://127.0.0.1:8000"
    assert account.email in app_logs.text
    # The logged link is a working one.
    response = await client.post(
        url(app, "reset_password"),
        json={"token": match.group(2), "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 204


async def test_unreachable_smtp_server_still_gets_202_and_the_failure_is_logged(
    make_settings: Callable[..., Settings],
    db: asyncpg.Connection,
    app_logs: pytest.LogCaptureFixture,
) -> None:
    async with app_with_smtp(make_settings, port=closed_port()) as (app, client):
        response = await ask_for_recovery(app, client)
        await finish_background_jobs(app)
    assert response.status_code == 202
    [failure] = [record for record in app_logs.records if record.getMessage() == JOB_FAILED]
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None


async def test_hanging_smtp_server_does_not_delay_the_answer(
    make_settings: Callable[..., Settings],
    db: asyncpg.Connection,
    app_logs: pytest.LogCaptureFixture,
) -> None:
    async with (
        silent_server() as port,
        app_with_smtp(make_settings, port=port, timeout_secs=2.0) as (app, client),
    ):
        account = await register(client, app)
        started = time.perf_counter()
        response = await client.post(url(app, "recover_password"), json={"email": account.email})
        elapsed = time.perf_counter() - started
        await finish_background_jobs(app)
    assert response.status_code == 202
    assert elapsed < 1.0
    assert JOB_FAILED in app_logs.text


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_encrypted_delivery_never_falls_back_to_cleartext(
    make_settings: Callable[..., Settings],
    db: asyncpg.Connection,
    app_logs: pytest.LogCaptureFixture,
    security: str,
) -> None:
    inbox = Inbox()
    # A server that offers no TLS at all: sending must fail rather than go in clear.
    async with (
        smtp_server(inbox) as port,
        app_with_smtp(make_settings, port=port, security=security, timeout_secs=2.0) as (
            app,
            client,
        ),
    ):
        response = await ask_for_recovery(app, client)
        await finish_background_jobs(app)
    assert response.status_code == 202
    assert inbox.messages == []
    assert JOB_FAILED in app_logs.text


async def test_token_lifetime_follows_the_setting(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    inbox = Inbox()
    async with (
        smtp_server(inbox) as port,
        app_with_smtp(
            make_settings, security_settings={"password_reset_token_expire_secs": 120}, port=port
        ) as (app, client),
    ):
        await ask_for_recovery(app, client)
        await finish_background_jobs(app)
    lifetime = await db.fetchval("SELECT expires_at - created_at FROM password_reset_tokens")
    assert timedelta(seconds=119) < lifetime <= timedelta(seconds=120)
    text_part = inbox.messages[0].get_body(("plain",))
    assert text_part is not None
    assert "within 2 minutes" in text_part.get_content()


async def test_smtp_login_uses_the_configured_credentials(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"relay secret")

    inbox = Inbox()
    async with (
        smtp_server(
            inbox, authenticator=authenticate, auth_required=True, auth_require_tls=False
        ) as port,
        app_with_smtp(
            make_settings,
            port=port,
            username=SecretStr("relay-user"),
            password=SecretStr("relay secret"),
        ) as (app, client),
    ):
        await ask_for_recovery(app, client)
        await finish_background_jobs(app)
    assert logins == [(b"relay-user", b"relay secret")]
    assert len(inbox.messages) == 1


async def test_shutdown_waits_for_a_send_in_progress(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    inbox = SlowInbox(delay_secs=0.1)
    async with smtp_server(inbox) as port:
        async with app_with_smtp(make_settings, port=port, timeout_secs=3.0) as (app, client):
            await ask_for_recovery(app, client)
        # The lifespan has ended: the message got out before it did.
        assert len(inbox.messages) == 1


async def test_shutdown_cancels_a_send_that_outlives_the_deadline(
    make_settings: Callable[..., Settings],
    db: asyncpg.Connection,
    app_logs: pytest.LogCaptureFixture,
) -> None:
    # Each answer comes within the client's timeout, but the whole exchange
    # takes longer than the shutdown deadline (the same timeout).
    inbox = SlowInbox(delay_secs=0.7)
    async with smtp_server(inbox) as port:
        async with app_with_smtp(make_settings, port=port, timeout_secs=1.0) as (app, client):
            await ask_for_recovery(app, client)
            shutdown_started = time.perf_counter()
        shutdown_secs = time.perf_counter() - shutdown_started
    assert inbox.messages == []
    assert shutdown_secs < 2.5  # the whole exchange would take 5 answers x 0.7 s
    assert "Background job password recovery email cancelled at shutdown" in app_logs.text
