"""Fixtures of the recovery tests: an application that mails through a real SMTP server."""

import logging
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings, Smtp
from app.tests.apps import running_app, with_lifespan_state
from app.tests.recovery.support import PUBLIC_URL, SENDER, Inbox, smtp_server


@pytest.fixture(scope="package")
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture(scope="package")
async def mail_app(make_settings: Callable[..., Settings], inbox: Inbox) -> AsyncIterator[FastAPI]:
    """The application, sending through an SMTP server on 127.0.0.1 that fills `inbox`."""
    async with smtp_server(inbox) as port:
        smtp = Smtp(host="127.0.0.1", port=port, security="none", sender=SENDER)
        settings = make_settings().model_copy(update={"smtp": smtp, "public_url": PUBLIC_URL})
        async with running_app(settings) as application:
            yield application


@pytest.fixture
async def mail_client(
    mail_app: FastAPI, db: asyncpg.Connection, inbox: Inbox
) -> AsyncIterator[httpx.AsyncClient]:
    inbox.messages.clear()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=with_lifespan_state(mail_app)),
        base_url="http://localhost",
    ) as client:
        yield client


@pytest.fixture
def app_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog for the "app" logger, which does not propagate to the root logger."""
    logger = logging.getLogger("app")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="app")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
