"""Applying the Alembic migrations from code (the CLI, the embedded start, the tests)."""

from alembic.config import Config
from sqlalchemy import URL, Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from alembic import command
from app.core.config import PROJECT_DIR

# Any constant will do: it only has to be the same in every process, so that
# replicas starting together apply the migrations one at a time.
MIGRATION_LOCK_ID = 72_402_116


def alembic_config() -> Config:
    config = Config(PROJECT_DIR / "alembic.ini")
    config.set_main_option("script_location", str(PROJECT_DIR / "alembic"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
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
