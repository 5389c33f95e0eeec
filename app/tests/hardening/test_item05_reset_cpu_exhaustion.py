"""Review item 5: `/auth/password-reset` cannot be used to exhaust the CPU.

Unknown tokens are refused before any hashing, resets are throttled per
address, and the hashing queue is bounded (503 with Retry-After when full).
"""

import asyncio
from typing import Any

import httpx
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import new_email
from app.tests.hardening.throttled_app import from_address, login, throttled_api

pytestmark = pytest.mark.usefixtures("db")

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
        await asyncio.sleep(0.05)  # the registration's hash is running
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
        hashing = asyncio.create_task(api.anonymous().register())
        await asyncio.sleep(0.05)
        response = await login(api, new_email(), "any password", "198.51.100.2")
        still_hashing = not hashing.done()
        await hashing
    assert response.status_code == 503
    assert response.json() == {"detail": messages.SERVICE_BUSY}
    assert response.headers["Retry-After"] == "1"
    assert still_hashing


async def test_resets_are_throttled_per_address(make_api: ApiFactory) -> None:
    async with throttled_api(make_api, {"requests_per_address": 3}) as api:
        statuses = [(await reset(api, "guess", "198.51.100.3")).status_code for _ in range(4)]
        elsewhere = await reset(api, "guess", "198.51.100.4")
    assert statuses == [400, 400, 400, 429]
    assert elsewhere.status_code == 400
