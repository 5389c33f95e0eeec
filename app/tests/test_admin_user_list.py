"""GET /users: keyset pagination in creation order, with opaque signed cursors."""

import base64
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import bearer, superuser_and_tokens, url


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


async def list_page(
    client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any], **params: Any
) -> httpx.Response:
    return await client.get(url(app, "list_users"), params=params, headers=bearer(tokens))


async def walk(
    client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any], limit: int
) -> list[dict[str, Any]]:
    """Every page from the first to the last, concatenated."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = (await list_page(client, app, tokens, **params)).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def key(user: dict[str, Any]) -> tuple[str, uuid.UUID]:
    return user["created_at"], uuid.UUID(user["user_id"])


async def all_user_ids(db: asyncpg.Connection) -> list[str]:
    rows = await db.fetch("SELECT user_id FROM users ORDER BY created_at, user_id")
    return [str(row["user_id"]) for row in rows]


async def test_first_page_has_50_users_by_default(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    await insert_users(db, 60)
    page = (await list_page(client, app, tokens)).json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


async def test_items_are_users(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await superuser_and_tokens(client, app, db)
    page = (await list_page(client, app, tokens)).json()
    assert page == {"items": [{**account.user, "is_superuser": True}], "next_cursor": None}


async def test_walking_all_pages_yields_every_user_once_in_creation_order(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    # Ties on created_at straddle page boundaries: only user_id separates them.
    await insert_users(db, 12)
    await insert_users(db, 11)
    items = await walk(client, app, tokens, limit=5)
    assert [item["user_id"] for item in items] == await all_user_ids(db)
    assert len(items) == 24


async def test_full_last_page_has_no_next_cursor(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    await insert_users(db, 3)
    page = (await list_page(client, app, tokens, limit=4)).json()
    assert len(page["items"]) == 4
    assert page["next_cursor"] is None


async def test_walk_is_stable_under_concurrent_inserts(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    await insert_users(db, 9)
    before = await all_user_ids(db)
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await list_page(client, app, tokens, **params)).json()
        seen += page["items"]
        # Others sign up while the administrator pages through.
        await insert_users(db, 2)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = [item["user_id"] for item in seen]
    assert len(ids) == len(set(ids)), "a user appeared twice"
    assert set(before) <= set(ids), "a user that existed all along was skipped"
    assert [key(item) for item in seen] == sorted(key(item) for item in seen)


async def test_tampered_cursor_is_422(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    await insert_users(db, 3)
    cursor = (await list_page(client, app, tokens, limit=1)).json()["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[7] ^= 1  # move the key one microsecond, keep the old tag
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    response = await list_page(client, app, tokens, cursor=forged)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == messages.INVALID_CURSOR
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "A",
        "not base64!",
        "' OR 1=1 --",
        "2026-01-01T00:00:00+00:00",
        base64.urlsafe_b64encode(b"\x00" * 40).decode().rstrip("="),
        base64.urlsafe_b64encode(b"\x00" * 41).decode().rstrip("="),
        "A" * 129,
        "\u0000",
    ],
    ids=[
        "empty",
        "one-char",
        "spaces",
        "sql",
        "iso-date",
        "zero-tag",
        "wrong-length",
        "long",
        "nul",
    ],
)
async def test_malformed_cursor_is_422(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, cursor: str
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    response = await list_page(client, app, tokens, cursor=cursor)
    assert response.status_code == 422


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1e3", str(10**30), ""])
async def test_bad_limit_is_422(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, limit: str
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    response = await list_page(client, app, tokens, limit=limit)
    assert response.status_code == 422


@pytest.mark.parametrize("limit", [1, 100])
async def test_limit_bounds_are_accepted(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, limit: int
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    await insert_users(db, 100)
    page = (await list_page(client, app, tokens, limit=limit)).json()
    assert len(page["items"]) == limit
