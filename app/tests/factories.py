"""Data made directly in the database, for what the API cannot make (bulk users, inactive
accounts, superusers), and fresh emails."""

import uuid

import asyncpg


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def insert_users(db: asyncpg.Connection, count: int) -> None:
    """`count` users in one statement: they share one created_at, so only user_id orders them."""
    await db.execute(
        """
        INSERT INTO users (user_id, email, email_canonical, password_hash)
        SELECT id, 'bulk-' || id || '@example.com', 'bulk-' || id || '@example.com', 'x'
        FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $1)) AS ids
        """,
        count,
    )


async def promote_to_superuser(db: asyncpg.Connection, user_id: str) -> None:
    """Superusers are made on the command line, not over HTTP: set the flag directly."""
    await db.execute("UPDATE users SET is_superuser = true WHERE user_id = $1", uuid.UUID(user_id))


async def deactivate(db: asyncpg.Connection, user_id: str) -> None:
    """Only the flag: unlike a deactivation by a superuser, no session is revoked."""
    await db.execute("UPDATE users SET is_active = false WHERE user_id = $1", uuid.UUID(user_id))
