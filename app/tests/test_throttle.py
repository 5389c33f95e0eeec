"""Throttling of credential guessing: per account, per client address, shared in PostgreSQL."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.core.config import Settings, Throttle
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import DEFAULT_PASSWORD, new_email, register, url

pytestmark = pytest.mark.usefixtures("db")

ClientFactory = Callable[..., Any]


@pytest.fixture
def throttled_client(make_settings: Callable[..., Settings]) -> ClientFactory:
    """A client of a new app: `throttled_client(peer=..., trusted_proxies=..., **throttle)`."""

    @asynccontextmanager
    async def make(
        peer: tuple[str, int] | None = ("127.0.0.1", 123),
        trusted_proxies: list[str] | None = None,
        **throttle: Any,
    ) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        settings = make_settings(trusted_proxies=trusted_proxies or [])
        settings = settings.model_copy(update={"throttle": Throttle(**throttle)})
        async with (
            running_app(settings) as app,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=with_lifespan_state(app), client=peer),  # type: ignore[arg-type]
                base_url="http://localhost",
            ) as client,
        ):
            yield client, app

    return make


WRONG_PASSWORD = "a wrong password"


async def login_status(
    client: httpx.AsyncClient, app: FastAPI, email: str, password: str | None = None
) -> int:
    response = await client.post(
        url(app, "login_access_token"),
        data={"username": email, "password": password or WRONG_PASSWORD},
    )
    return response.status_code


async def test_login_after_too_many_failures_is_refused_with_retry_after(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    assert [await login_status(client, app, account.email) for _ in range(5)] == [400] * 5

    response = await client.post(
        url(app, "login_access_token"),
        data={"username": account.email, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 429
    assert response.json() == {"detail": messages.TOO_MANY_ATTEMPTS}
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


async def test_throttled_login_answers_alike_for_unknown_and_known_accounts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    known = await register(client, app)
    answers = []
    for email in (known.email, new_email()):
        for _ in range(5):
            await login_status(client, app, email)
        response = await client.post(
            url(app, "login_access_token"), data={"username": email, "password": "x" * 12}
        )
        answers.append((response.status_code, response.json(), sorted(response.headers)))
    assert answers[0] == answers[1]


async def test_successful_login_forgets_earlier_failures(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app)
    for _ in range(2):
        assert [await login_status(client, app, account.email) for _ in range(4)] == [400] * 4
        assert await login_status(client, app, account.email, DEFAULT_PASSWORD) == 200


async def test_login_failure_counter_starts_again_after_its_window(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app)
    for _ in range(5):
        await login_status(client, app, account.email)
    await db.execute(
        "UPDATE throttle_counters SET expires_at = now() - interval '1 second'"
        " WHERE key LIKE 'login:account:%'"
    )

    assert await login_status(client, app, account.email, DEFAULT_PASSWORD) == 200


async def test_login_attempts_per_address_are_limited(throttled_client: ClientFactory) -> None:
    async with throttled_client(requests_per_address=3) as (client, app):
        statuses = [await login_status(client, app, new_email()) for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


async def test_registrations_per_email_are_limited(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = {"email": new_email(), "password": DEFAULT_PASSWORD}
    statuses = [
        (await client.post(url(app, "register_new_user"), json=body)).status_code for _ in range(6)
    ]
    assert statuses == [201, 409, 409, 409, 409, 429]


async def test_registrations_per_address_are_limited(throttled_client: ClientFactory) -> None:
    async with throttled_client(requests_per_address=2) as (client, app):
        statuses = [
            (
                await client.post(
                    url(app, "register_new_user"),
                    json={"email": new_email(), "password": DEFAULT_PASSWORD},
                )
            ).status_code
            for _ in range(3)
        ]
    assert statuses == [201, 201, 429]


async def test_recovery_requests_per_email_are_limited_alike_for_unknown_and_known(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    known = await register(client, app)
    answers = []
    for email in (known.email, new_email()):
        statuses = [
            (await client.post(url(app, "recover_password"), json={"email": email})).status_code
            for _ in range(6)
        ]
        last = await client.post(url(app, "recover_password"), json={"email": email})
        answers.append((statuses, last.status_code, last.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == [202] * 5 + [429]
    assert answers[0][2] == {"detail": messages.TOO_MANY_ATTEMPTS}


async def test_recovery_requests_per_address_are_limited(throttled_client: ClientFactory) -> None:
    async with throttled_client(requests_per_address=2) as (client, app):
        statuses = [
            (
                await client.post(url(app, "recover_password"), json={"email": new_email()})
            ).status_code
            for _ in range(3)
        ]
    assert statuses == [202, 202, 429]


async def test_throttling_can_be_disabled(throttled_client: ClientFactory) -> None:
    async with throttled_client(enabled=False, requests_per_address=1) as (client, app):
        email = new_email()
        statuses = {await login_status(client, app, email) for _ in range(7)}
    assert statuses == {400}


async def test_forwarded_for_from_untrusted_peer_is_ignored(
    throttled_client: ClientFactory,
) -> None:
    async with throttled_client(requests_per_address=2) as (client, app):
        statuses = []
        for spoofed in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
            response = await client.post(
                url(app, "login_access_token"),
                data={"username": new_email(), "password": "a wrong password"},
                headers={"X-Forwarded-For": spoofed},
            )
            statuses.append(response.status_code)
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
    throttled_client: ClientFactory,
    db: asyncpg.Connection,
    peer: tuple[str, int] | None,
    forwarded_for: str | None,
    bucket: str,
) -> None:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with throttled_client(peer=peer, trusted_proxies=["127.0.0.1", "10.0.0.0/8"]) as (
        client,
        app,
    ):
        await client.post(
            url(app, "login_access_token"),
            data={"username": new_email(), "password": "a wrong password"},
            headers=headers,
        )

    keys = await db.fetch("SELECT key FROM throttle_counters WHERE key LIKE 'login:address:%'")
    assert [row["key"] for row in keys] == [f"login:address:{bucket}"]
