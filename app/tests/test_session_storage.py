"""Bounded storage per session (API.md v2 "Session storage and upkeep"); review items 7 and 16."""

import base64
import uuid

import asyncpg
import pytest

from app.tests.api_client import Api, messages

INVALID_GRANT = {"detail": messages.INVALID_REFRESH_TOKEN, "error": "invalid_grant"}


def forged(session_id: str, generation: int, tag: bytes = b"\x00" * 32) -> str:
    body = uuid.UUID(session_id).bytes + generation.to_bytes(8, "big")
    return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()


async def test_a_session_refreshed_many_times_holds_one_row_of_constant_size(
    user: Api, db: asyncpg.Connection
) -> None:
    size_query = "SELECT count(*), sum(pg_column_size(s.*)) FROM user_sessions AS s"
    first = await db.fetchrow(size_query)
    for _ in range(50):
        assert (await user.refresh()).status_code == 200
    assert await db.fetchrow(size_query) == first
    assert first is not None
    assert first[0] == 1


async def test_every_earlier_token_of_the_session_is_caught_as_reuse(user: Api) -> None:
    first = user.tokens["refresh_token"]
    for _ in range(5):
        await user.refresh()
    # Generation 0, four refreshes older than the one before the live token:
    # its successor was used, so even within the grace period it is theft.
    response = await user.refresh(first)
    assert response.json() == INVALID_GRANT
    assert await user.session_revoked()


async def test_replay_within_grace_of_the_token_before_the_live_one_keeps_the_session(
    user: Api,
) -> None:
    first = user.tokens["refresh_token"]
    await user.refresh()
    assert (await user.refresh(first)).status_code == 400
    assert await user.session_works()


@pytest.mark.parametrize("generation", [0, 1, 2, 2**63])
async def test_token_forged_from_a_known_session_id_gets_400_and_revokes_nothing(
    user: Api, generation: int
) -> None:
    await user.refresh()
    response = await user.refresh(forged(user.claims["sid"], generation))
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
    assert await user.session_works()
    assert (await user.refresh()).status_code == 200


async def test_tag_of_one_session_does_not_pass_for_another(api: Api, user: Api) -> None:
    attacker = await api.new_user()
    tag = base64.urlsafe_b64decode(attacker.tokens["refresh_token"] + "=")[-32:]
    response = await attacker.refresh(forged(user.claims["sid"], 0, tag))
    assert response.status_code == 400
    assert await user.session_works()


async def test_forged_token_cannot_log_a_session_out(api: Api, user: Api) -> None:
    await api.logout(forged(user.claims["sid"], 0))
    assert await user.session_works()


@pytest.mark.parametrize("token", ["!" * 75, "A" * 74 + "=", "\u00e9" * 75])
async def test_malformed_token_of_the_right_length_gets_400(api: Api, token: str) -> None:
    response = await api.refresh(token)
    assert response.status_code == 400
    assert response.json() == INVALID_GRANT
