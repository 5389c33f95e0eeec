"""Review item 6: a stolen access token does not buy unthrottled guesses of the current password."""

from collections.abc import Callable

import pytest

from app.core.config import Settings
from app.tests.factories import DEFAULT_PASSWORD, bearer, login, register, url
from app.tests.hardening.throttled_app import from_address, throttled_app

pytestmark = pytest.mark.usefixtures("db")


async def test_wrong_current_passwords_count_as_failed_logins_of_the_account(
    make_settings: Callable[..., Settings],
) -> None:
    async with throttled_app(make_settings, {}) as (app, client):
        account = await register(client, app)
        tokens = await login(client, app, email=account.email)
        statuses = []
        for guess in [f"guess number {i}" for i in range(5)] + [DEFAULT_PASSWORD]:
            response = await client.put(
                url(app, "change_current_user_password"),
                json={"current_password": guess, "new_password": "a brand new passphrase"},
                headers={**bearer(tokens), **from_address("198.51.100.4")},
            )
            statuses.append(response.status_code)
        # The same account from the same address can no longer log in either.
        blocked = await client.post(
            url(app, "login_access_token"),
            data={"username": account.email, "password": DEFAULT_PASSWORD},
            headers=from_address("198.51.100.4"),
        )
    assert statuses == [400] * 5 + [429]
    assert blocked.status_code == 429


async def test_right_current_password_forgets_the_failures(
    make_settings: Callable[..., Settings],
) -> None:
    async with throttled_app(make_settings, {}) as (app, client):
        account = await register(client, app)
        tokens = await login(client, app, email=account.email)
        change = url(app, "change_current_user_password")
        headers = {**bearer(tokens), **from_address("198.51.100.4")}
        for _ in range(4):
            await client.put(
                change,
                json={"current_password": "wrong guess", "new_password": "x" * 12},
                headers=headers,
            )
        ok = await client.put(
            change,
            json={"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD},
            headers=headers,
        )
        again = [
            (
                await client.put(
                    change,
                    json={"current_password": "wrong guess", "new_password": "x" * 12},
                    headers=headers,
                )
            ).status_code
            for _ in range(4)
        ]
    assert ok.status_code == 204
    assert again == [400] * 4
