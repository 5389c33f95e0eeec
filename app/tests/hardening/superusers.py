"""The active superusers, as the tests of review item 13 count them."""

import uuid

import asyncpg


async def active_superusers(db: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await db.fetch("SELECT user_id FROM users WHERE is_superuser AND is_active")
    return [row["user_id"] for row in rows]
