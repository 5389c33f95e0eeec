"""Fixtures of the lifecycle tests: `api` (and so `user`, `admin`) is a client of an
application that mails through a real SMTP server on 127.0.0.1 (aiosmtpd), whose
messages land in `inbox`; `mail_api(**settings)` starts another such application."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
import pytest

from app.tests.api_client import Api, AppFactory, NewAdmin
from app.tests.factories import promote_to_superuser
from app.tests.recovery.conftest import api, inbox, mail_app, smtp_settings, user
from app.tests.recovery.support import PUBLIC_URL, Inbox

__all__ = ["api", "inbox", "mail_app", "smtp_settings", "user"]

MailApi = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def new_admin(api: Api, db: asyncpg.Connection, inbox: Inbox) -> NewAdmin:
    async def make() -> Api:
        superuser = await api.new_user()
        await promote_to_superuser(db, superuser.id)
        await superuser.finish_background_jobs()
        inbox.messages.clear()
        return superuser

    return make


@pytest.fixture
def mail_api(
    make_app: AppFactory, smtp_settings: dict[str, Any], db: asyncpg.Connection, inbox: Inbox
) -> MailApi:
    """`async with mail_api(**settings) as api`: a client of a new mailing application."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Api]:
        inbox.messages.clear()
        overrides.setdefault("smtp", smtp_settings)
        overrides.setdefault("public_url", PUBLIC_URL)
        async with make_app(**overrides) as application, Api.connect(application) as client:
            yield client

    return make
