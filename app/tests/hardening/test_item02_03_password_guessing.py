"""Review items 2 and 3: parallel guesses get at most the limit; nobody locks the owner out.

API.md v2 Throttling: failed password checks count per account and client
address (5 per 15 minutes) and per account over all addresses (100), each
attempt counted before its password is checked.
"""

import asyncio

import pytest

from app.tests.api_client import DEFAULT_PASSWORD, ApiFactory, messages
from app.tests.hardening.throttled_app import login, throttled_api

pytestmark = pytest.mark.usefixtures("db")
WRONG = "a wrong password"


async def test_parallel_guesses_from_one_address_get_at_most_five_checks(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {"requests_per_address": 1000}) as api:
        await api.register()
        responses = await asyncio.gather(
            *(login(api, api.email, WRONG, "203.0.113.7") for _ in range(20))
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [400] * 5 + [429] * 15
    throttled = next(r for r in responses if r.status_code == 429)
    assert throttled.json() == {"detail": messages.TOO_MANY_ATTEMPTS}
    assert int(throttled.headers["Retry-After"]) > 0


async def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {}) as api:
        await api.register()
        attacker = [await login(api, api.email, WRONG, "198.51.100.9") for _ in range(6)]
        owner = await login(api, api.email, DEFAULT_PASSWORD, "203.0.113.7")
    assert [r.status_code for r in attacker] == [400] * 5 + [429]
    assert owner.status_code == 200


async def test_failures_from_many_addresses_reach_the_account_wide_limit(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {"login_failures_per_account": 3}) as api:
        await api.register()
        spread = [await login(api, api.email, WRONG, f"198.51.100.{i}") for i in range(3)]
        owner = await login(api, api.email, DEFAULT_PASSWORD, "203.0.113.7")
        unknown = [await login(api, "nobody@example.com", WRONG, f"192.0.2.{i}") for i in range(4)]
    assert [r.status_code for r in spread] == [400] * 3
    assert owner.status_code == 429
    assert [r.status_code for r in unknown][-1] == 429  # the same for accounts that do not exist
    assert owner.json() == unknown[-1].json()


async def test_a_success_takes_its_attempt_back(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {"login_failures_per_account": 2}) as api:
        await api.register()
        logins = [await login(api, api.email, DEFAULT_PASSWORD, f"203.0.113.{i}") for i in range(5)]
        failure = await login(api, api.email, WRONG, "198.51.100.1")
        owner = await login(api, api.email, DEFAULT_PASSWORD, "203.0.113.99")
    assert [r.status_code for r in logins] == [200] * 5
    assert failure.status_code == 400
    assert owner.status_code == 200


async def test_logins_work_with_throttling_off(make_api: ApiFactory) -> None:
    async with throttled_api(make_api, {"enabled": False}) as api:
        await api.register()
        response = await login(api, api.email, DEFAULT_PASSWORD, "203.0.113.7")
    assert response.status_code == 200
