"""Review item 16: a replay within the grace period revokes when its successor was used."""

import httpx
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import assert_session_revoked, refresh, register_and_login

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


async def test_replay_within_grace_revokes_when_the_successor_was_used(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Review item 16: the replayed token's successor has been used, so this is no second tab."""
    _, tokens = await register_and_login(client, app)
    successor = (await refresh(client, app, tokens["refresh_token"])).json()
    newest = (await refresh(client, app, successor["refresh_token"])).json()
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 400
    await assert_session_revoked(client, app, newest)
