"""Fixtures of the recovery tests: here `api` (and so `user`) is a client of an application
that mails through a real SMTP server on 127.0.0.1, whose messages land in `inbox`."""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI

from app.tests.api_client import Api, AppFactory
from app.tests.recovery.support import PUBLIC_URL, SENDER, Inbox, smtp_server


@pytest.fixture(scope="package")
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture(scope="package")
async def smtp_settings(inbox: Inbox) -> AsyncIterator[dict[str, Any]]:
    async with smtp_server(inbox) as port:
        yield {"host": "127.0.0.1", "port": port, "security": "none", "sender": SENDER}


@pytest.fixture(scope="package")
async def mail_app(make_app: AppFactory, smtp_settings: dict[str, Any]) -> AsyncIterator[FastAPI]:
    async with make_app(smtp=smtp_settings, public_url=PUBLIC_URL) as application:
        yield application


@pytest.fixture
async def api(mail_app: FastAPI, db: asyncpg.Connection, inbox: Inbox) -> AsyncIterator[Api]:
    """An anonymous client of the mailing application, with an empty inbox."""
    inbox.messages.clear()
    async with Api.connect(mail_app) as client:
        yield client


@pytest.fixture
async def user(api: Api, inbox: Inbox) -> Api:
    """A client of a newly registered account, logged in; its verification message
    delivered, then cleared from the inbox."""
    client = await api.new_user()
    await client.finish_background_jobs()
    inbox.messages.clear()
    return client
