"""Alembic environment: async engine, URL from the application settings.

When the application applies migrations itself it hands over an open
connection in `config.attributes["connection"]`; the `alembic` command line
connects on its own.
"""

import asyncio

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from alembic import context
from app.core.config import get_settings
from app.core.database import resolve_database_url
from app.models import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    url = await resolve_database_url(get_settings())
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")

connection = context.config.attributes.get("connection")
if connection is None:
    asyncio.run(run_migrations_online())
else:
    run_migrations(connection)
