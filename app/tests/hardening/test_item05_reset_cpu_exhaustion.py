"""Review item 5: `/auth/password-reset` cannot be used to exhaust the CPU.

Unknown tokens are refused before any hashing, resets are throttled per
address, and the hashing queue is bounded (503 with Retry-After when full).
"""

import asyncio
import hashlib
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import new_email
from app.tests.hardening.throttled_app import from_address, login, throttled_api

pytestmark = pytest.mark.usefixtures("db")
TOKEN = "a-recovery-token-" + "y" * 40

# One hashing thread, one place in its queue, and a hash slow enough to
# still be running while the test sends its next requests.
ONE_SLOW_HASH_AT_A_TIME: dict[str, Any] = {
    "password_hash_threads": 1,
    "password_hash_queue_size": 1,
    "password_hash_memory_kib": 65_536,
    "password_hash_time_cost": 20,
}


async def reset(api: Api, token: str, address: str) -> httpx.Response:
    """A password reset, sent for a client at `address`."""
    body = {"token": token, "new_password": "a brand new passphrase"}
    return await api.request("POST", "reset_password", json=body, headers=from_address(address))


async def test_unknown_token_is_refused_without_waiting_for_the_hashing(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {}, **ONE_SLOW_HASH_AT_A_TIME) as api:
        hashing = asyncio.create_task(api.anonymous().register())
        await asyncio.sleep(0.3)  # the registration's hash is running
        response = await reset(api, "a guessed token", "198.51.100.1")
        still_hashing = not hashing.done()
        assert (await hashing).status_code == 201
    assert response.status_code == 400
    assert response.json() == {"detail": messages.INVALID_RESET_TOKEN}
    assert still_hashing


async def test_a_full_hashing_queue_answers_503_with_retry_after_at_once(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {}, **ONE_SLOW_HASH_AT_A_TIME) as api:
        responses = await asyncio.gather(
            *(login(api, new_email(), "any password", f"198.51.100.{i}") for i in range(3))
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [400, 503, 503]
    busy = next(response for response in responses if response.status_code == 503)
    assert busy.json() == {"detail": messages.SERVICE_BUSY}
    assert busy.headers["Retry-After"] == "1"


async def test_of_two_resets_with_one_token_one_wins(
    make_api: ApiFactory, db: asyncpg.Connection
) -> None:
    slow_but_queued = {**ONE_SLOW_HASH_AT_A_TIME, "password_hash_queue_size": 4}
    async with throttled_api(make_api, {}, **slow_but_queued) as api:
        await api.register()
        await db.execute(
            "INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)"
            " VALUES ($1, $2, now() + interval '1 hour')",
            hashlib.sha256(TOKEN.encode()).digest(),
            uuid.UUID(api.id),
        )
        responses = await asyncio.gather(
            reset(api, TOKEN, "198.51.100.1"), reset(api, TOKEN, "198.51.100.2")
        )
    assert sorted(response.status_code for response in responses) == [204, 400]


async def test_resets_are_throttled_per_address(make_api: ApiFactory) -> None:
    async with throttled_api(make_api, {"requests_per_address": 3}) as api:
        statuses = [(await reset(api, "guess", "198.51.100.3")).status_code for _ in range(4)]
        elsewhere = await reset(api, "guess", "198.51.100.4")
    assert statuses == [400, 400, 400, 429]
    assert elsewhere.status_code == 400
