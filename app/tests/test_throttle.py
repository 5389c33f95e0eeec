"""Throttling of credential guessing: per account, per client address, shared in PostgreSQL."""

from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import new_email

WRONG_PASSWORD = "a wrong password"


async def test_login_after_too_many_failures_is_refused_with_retry_after(api: Api) -> None:
    await api.register()
    failures = [(await api.login(password=WRONG_PASSWORD)).status_code for _ in range(5)]
    assert failures == [400] * 5

    response = await api.login()

    assert response.status_code == 429
    assert response.json() == {"detail": messages.TOO_MANY_ATTEMPTS}
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


async def test_throttled_login_answers_alike_for_unknown_and_known_accounts(api: Api) -> None:
    await api.register()
    answers = []
    for email in (api.email, new_email()):
        for _ in range(5):
            await api.login(email, WRONG_PASSWORD)
        response = await api.login(email, "x" * 12)
        answers.append((response.status_code, response.json(), sorted(response.headers)))
    assert answers[0] == answers[1]


async def test_successful_login_forgets_earlier_failures(api: Api) -> None:
    await api.register()
    for _ in range(2):
        failures = [(await api.login(password=WRONG_PASSWORD)).status_code for _ in range(4)]
        assert failures == [400] * 4
        assert (await api.login()).status_code == 200


async def test_login_failure_counter_starts_again_after_its_window(
    api: Api, db: asyncpg.Connection
) -> None:
    await api.register()
    for _ in range(5):
        await api.login(password=WRONG_PASSWORD)
    await db.execute(
        "UPDATE throttle_counters SET expires_at = now() - interval '1 second'"
        " WHERE key LIKE 'login:account:%'"
    )

    assert (await api.login()).status_code == 200


async def failed_login(api: Api) -> httpx.Response:
    return await api.login(new_email(), WRONG_PASSWORD)


async def registration(api: Api) -> httpx.Response:
    return await api.anonymous().register()


async def recovery_request(api: Api) -> httpx.Response:
    return await api.recover(new_email())


@pytest.mark.parametrize(
    ("call", "statuses"),
    [
        pytest.param(failed_login, [400, 400, 429], id="login"),
        pytest.param(registration, [201, 201, 429], id="register"),
        pytest.param(recovery_request, [202, 202, 429], id="recovery"),
    ],
)
async def test_requests_per_address_are_limited(
    make_api: ApiFactory, call: Callable[[Api], Awaitable[httpx.Response]], statuses: list[int]
) -> None:
    async with make_api(throttle={"requests_per_address": 2}) as api:
        assert [(await call(api)).status_code for _ in statuses] == statuses


async def test_registrations_per_email_are_limited(api: Api) -> None:
    email = new_email()
    statuses = [(await api.register(email)).status_code for _ in range(6)]
    assert statuses == [201, 409, 409, 409, 409, 429]


async def test_recovery_requests_per_email_are_limited_alike_for_unknown_and_known(
    api: Api,
) -> None:
    await api.register()
    answers = []
    for email in (api.email, new_email()):
        statuses = [(await api.recover(email)).status_code for _ in range(6)]
        last = await api.recover(email)
        answers.append((statuses, last.status_code, last.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == [202] * 5 + [429]
    assert answers[0][2] == {"detail": messages.TOO_MANY_ATTEMPTS}


async def test_throttling_can_be_disabled(make_api: ApiFactory) -> None:
    async with make_api(throttle={"enabled": False, "requests_per_address": 1}) as api:
        email = new_email()
        statuses = {(await api.login(email, WRONG_PASSWORD)).status_code for _ in range(7)}
    assert statuses == {400}


async def login_from(api: Api, forwarded_for: str | None) -> httpx.Response:
    """A wrong login for a new email, through a proxy that says it came from `forwarded_for`."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    form = {"username": new_email(), "password": WRONG_PASSWORD}
    return await api.request("POST", "login_access_token", data=form, headers=headers)


async def test_forwarded_for_from_untrusted_peer_is_ignored(make_api: ApiFactory) -> None:
    async with make_api(throttle={"requests_per_address": 2}) as api:
        statuses = [
            (await login_from(api, spoofed)).status_code
            for spoofed in ("203.0.113.1", "203.0.113.2", "203.0.113.3")
        ]
    assert statuses == [400, 400, 429]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "bucket"),
    [
        (("127.0.0.1", 1), None, "127.0.0.1"),
        (("127.0.0.1", 1), "203.0.113.7", "203.0.113.7"),
        (("127.0.0.1", 1), "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (("127.0.0.1", 1), "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (("127.0.0.1", 1), "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        (("127.0.0.1", 1), "not-an-address", "127.0.0.1"),
        (("127.0.0.1", 1), "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (("127.0.0.1", 1), "::ffff:203.0.113.7", "203.0.113.7"),
        (("192.0.2.9", 1), "203.0.113.7", "192.0.2.9"),
        (None, "203.0.113.7", "unknown"),
    ],
)
async def test_client_address_is_read_right_to_left_past_trusted_proxies(
    make_api: ApiFactory,
    db: asyncpg.Connection,
    peer: tuple[str, int] | None,
    forwarded_for: str | None,
    bucket: str,
) -> None:
    trusted = {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]}
    async with make_api(peer=peer, security=trusted) as api:
        await login_from(api, forwarded_for)

    keys = await db.fetch("SELECT key FROM throttle_counters WHERE key LIKE 'login:address:%'")
    assert [row["key"] for row in keys] == [f"login:address:{bucket}"]
