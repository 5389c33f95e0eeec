"""The Alembic migrations agree with the models and run both ways."""

import subprocess
import sys
from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import URL, Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from alembic import command
from app.core.migrations import alembic_config, upgrade_database
from app.models import Base

TABLES = {
    "users",
    "user_sessions",
    "password_reset_tokens",
    "throttle_counters",
    "totp_factors",
    "recovery_codes",
    "mfa_login_attempts",
    "passkeys",
    "webauthn_challenges",
}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _downgrade_to_base(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def run(url: URL, function: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(function)
    finally:
        await engine.dispose()


async def test_models_need_no_new_migration(database_url: URL) -> None:
    assert await run(database_url, _differences) == []


async def test_upgrade_downgrade_upgrade_on_an_empty_database(
    empty_database: Callable[[], Any],
) -> None:
    url: URL = await empty_database()
    await upgrade_database(url)
    assert await run(url, _tables) >= TABLES
    await run(url, _downgrade_to_base)
    assert await run(url, _tables) == {"alembic_version"}
    await upgrade_database(url)
    assert await run(url, _tables) >= TABLES
    assert await run(url, _differences) == []


def test_a_serving_worker_does_not_import_alembic_nor_the_passkey_and_qr_libraries() -> None:
    # A fresh interpreter: this one has imported them for other tests.
    probe = (
        "import sys, app.main; "
        "print([m for m in ('alembic', 'webauthn', 'segno') if m in sys.modules])"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr
