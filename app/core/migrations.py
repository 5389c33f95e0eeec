"""Applying the Alembic migrations from code (the CLI, the embedded start, the tests).

Alembic is imported by the functions that use it, not at the top: every
serving worker imports this module, and a worker of a configured database
never migrates (`app migrate` or `app serve` does it before the workers
start), so it need not hold Alembic's modules in memory.
"""

from typing import TYPE_CHECKING

from sqlalchemy import URL, Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import PROJECT_DIR

if TYPE_CHECKING:
    from alembic.config import Config

# Any constant will do: it only has to be the same in every process, so that
# replicas starting together apply the migrations one at a time.
MIGRATION_LOCK_ID = 72_402_116


def alembic_config() -> "Config":
    from alembic.config import Config  # noqa: PLC0415 - see the module's docstring

    config = Config(PROJECT_DIR / "alembic.ini")
    config.set_main_option("script_location", str(PROJECT_DIR / "alembic"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command  # noqa: PLC0415 - see the module's docstring

    connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade_database(url: URL, revision: str = "head") -> None:
    # No prepared statement cache: each statement runs once, and behind
    # PgBouncer in transaction mode a cached statement's name collides with
    # one that another process left on the same server connection.
    engine = create_async_engine(
        url.update_query_dict({"prepared_statement_cache_size": "0"}),
        poolclass=NullPool,
        connect_args={"statement_cache_size": 0},
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()
