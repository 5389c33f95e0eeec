"""A superuser as the tests of review item 13 drive one: a client that speaks the API."""

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from app.tests.factories import bearer, promote_to_superuser, register_and_login, url


@dataclass
class Superuser:
    client: httpx.AsyncClient
    app: FastAPI
    user_id: str
    tokens: dict[str, Any]

    async def patch_user(self, other: "Superuser", **flags: bool) -> httpx.Response:
        path = url(self.app, "update_user", user_id=other.user_id)
        return await self.client.patch(path, json=flags, headers=bearer(self.tokens))

    async def delete_user(self, other: "Superuser") -> httpx.Response:
        path = url(self.app, "delete_user", user_id=other.user_id)
        return await self.client.delete(path, headers=bearer(self.tokens))

    async def delete_me(self) -> httpx.Response:
        path = url(self.app, "delete_current_user")
        return await self.client.delete(path, headers=bearer(self.tokens))


async def new_superuser(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> Superuser:
    """A registered, signed-in, active superuser."""
    account, tokens = await register_and_login(client, app)
    await promote_to_superuser(db, account)
    return Superuser(client=client, app=app, user_id=account.user["user_id"], tokens=tokens)


async def active_superusers(db: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await db.fetch("SELECT user_id FROM users WHERE is_superuser AND is_active")
    return [row["user_id"] for row in rows]
