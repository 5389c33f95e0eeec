"""Review item 4: working reset links never reach the logs outside ENVIRONMENT=local/test.

Production without SMTP__HOST refuses to start unless password recovery is
switched off (RECOVERY__ENABLED=false); switched off, both recovery routes
answer 404 and nothing is sent or logged.
"""

from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from pydantic import ValidationError
from sqlalchemy import URL

from app.core import messages
from app.core.config import Settings, Smtp
from app.tests.apps import client_of, running_app
from app.tests.factories import register, url
from app.tests.hardening.production_settings import production_settings, text_log
from app.tests.recovery.support import LINK, finish_background_jobs

pytestmark = pytest.mark.usefixtures("db")


def test_production_without_smtp_host_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="SMTP__HOST") as refusal:
        production_settings(smtp=Smtp())
    assert "RECOVERY__ENABLED=false" in str(refusal.value)


def test_production_with_an_empty_smtp_host_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="SMTP__HOST"):
        production_settings(smtp=Smtp(host=""))


async def test_production_with_recovery_switched_off_starts_and_answers_404(
    monkeypatch: pytest.MonkeyPatch, database_url: URL, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECOVERY__ENABLED", "false")
    settings = production_settings(
        database_url=database_url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        smtp=Smtp(),
    )
    with text_log() as log:
        async with running_app(settings) as app, client_of(app) as client:
            account = await register(client, app)
            recovery = await client.post(
                url(app, "recover_password"), json={"email": account.email}
            )
            reset = await client.post(
                url(app, "reset_password"), json={"token": "x" * 43, "new_password": "a new pass"}
            )
            await finish_background_jobs(app)
    assert recovery.status_code == 404
    assert recovery.json() == {"detail": messages.RECOVERY_DISABLED}
    assert reset.status_code == 404
    assert "reset-password" not in log.getvalue()


async def test_production_never_logs_the_link_even_if_smtp_is_missing(
    database_url: URL, db: asyncpg.Connection, tmp_path: Path
) -> None:
    settings = production_settings(
        database_url=database_url.render_as_string(hide_password=False), data_dir=tmp_path
    )
    # Past the start-up check, as a later change of the settings could get:
    # the sender itself must still keep the message out of the log.
    settings = settings.model_copy(update={"smtp": Smtp()})
    with text_log() as log:
        async with running_app(settings) as app, client_of(app) as client:
            account = await register(client, app)
            response = await client.post(
                url(app, "recover_password"), json={"email": account.email}
            )
            await finish_background_jobs(app)
    assert response.status_code == 202
    assert await db.fetchval("SELECT count(*) FROM password_reset_tokens") == 1
    assert "token=" not in log.getvalue()
    assert "SMTP__HOST is not set" in log.getvalue()
    assert "WARNING" in log.getvalue()


async def test_local_still_logs_the_link_for_the_developer(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings().model_copy(update={"environment": "local"})
    with text_log() as log:
        async with running_app(settings) as app, client_of(app) as client:
            account = await register(client, app)
            await client.post(url(app, "recover_password"), json={"email": account.email})
            await finish_background_jobs(app)
    assert LINK.search(log.getvalue()) is not None
