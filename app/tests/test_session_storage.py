"""Bounded storage per session (API.md v2 "Session storage and upkeep"); review items 7 and 16."""

import base64
import uuid

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import (
    assert_session_revoked,
    claims_of,
    refresh,
    register_and_login,
    session_works,
)

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


def forged(session_id: str, generation: int, tag: bytes = b"\x00" * 32) -> str:
    body = uuid.UUID(session_id).bytes + generation.to_bytes(8, "big")
    return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()


async def test_a_session_refreshed_many_times_holds_one_row_of_constant_size(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await register_and_login(client, app)
    size_query = "SELECT count(*), sum(pg_column_size(s.*)) FROM user_sessions AS s"
    first = await db.fetchrow(size_query)
    for _ in range(50):
        tokens = (await refresh(client, app, tokens["refresh_token"])).json()
    assert await db.fetchrow(size_query) == first
    assert first is not None
    assert first[0] == 1


async def test_every_earlier_token_of_the_session_is_caught_as_reuse(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, first = await register_and_login(client, app)
    tokens = first
    for _ in range(5):
        tokens = (await refresh(client, app, tokens["refresh_token"])).json()
    # Generation 0, four refreshes older than the one before the live token:
    # its successor was used, so even within the grace period it is theft.
    response = await refresh(client, app, first["refresh_token"])
    assert response.json() == INVALID_GRANT
    await assert_session_revoked(client, app, tokens)


async def test_replay_within_grace_of_the_token_before_the_live_one_keeps_the_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    successor = (await refresh(client, app, tokens["refresh_token"])).json()
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400
    assert await session_works(client, app, successor)


@pytest.mark.parametrize("generation", [0, 1, 2, 2**63])
async def test_token_forged_from_a_known_session_id_gets_400_and_revokes_nothing(
    client: httpx.AsyncClient, app: FastAPI, generation: int
) -> None:
    _, tokens = await register_and_login(client, app)
    tokens = (await refresh(client, app, tokens["refresh_token"])).json()
    response = await refresh(client, app, forged(claims_of(tokens)["sid"], generation))
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    assert await session_works(client, app, tokens)
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200


async def test_tag_of_one_session_does_not_pass_for_another(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, victim = await register_and_login(client, app)
    _, attacker = await register_and_login(client, app)
    tag = base64.urlsafe_b64decode(attacker["refresh_token"] + "=")[-32:]
    response = await refresh(client, app, forged(claims_of(victim)["sid"], 0, tag))
    assert response.status_code == 400
    assert await session_works(client, app, victim)


async def test_forged_token_cannot_log_a_session_out(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    await client.post(
        str(app.url_path_for("logout")),
        json={"refresh_token": forged(claims_of(tokens)["sid"], 0)},
    )
    assert await session_works(client, app, tokens)


@pytest.mark.parametrize("token", ["!" * 75, "A" * 74 + "=", "\u00e9" * 75])
async def test_malformed_token_of_the_right_length_gets_400(
    client: httpx.AsyncClient, app: FastAPI, token: str
) -> None:
    response = await refresh(client, app, token)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
