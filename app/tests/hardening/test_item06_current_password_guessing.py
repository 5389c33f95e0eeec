"""Review item 6: a stolen access token does not buy unthrottled guesses of the current password."""

import httpx
import pytest

from app.tests.api_client import DEFAULT_PASSWORD, Api, ApiFactory
from app.tests.hardening.throttled_app import from_address, login, throttled_api

pytestmark = pytest.mark.usefixtures("db")
ADDRESS = "198.51.100.4"


async def change_password(user: Api, current: str, new: str) -> httpx.Response:
    """A password change, sent for a client at ADDRESS."""
    body = {"current_password": current, "new_password": new}
    headers = from_address(ADDRESS)
    return await user.request("PUT", "change_current_user_password", json=body, headers=headers)


async def test_wrong_current_passwords_count_as_failed_logins_of_the_account(
    make_api: ApiFactory,
) -> None:
    async with throttled_api(make_api, {}) as api:
        user = await api.new_user()
        statuses = []
        for guess in [f"guess number {i}" for i in range(5)] + [DEFAULT_PASSWORD]:
            response = await change_password(user, guess, "a brand new passphrase")
            statuses.append(response.status_code)
        # The same account from the same address can no longer log in either.
        blocked = await login(api, user.email, DEFAULT_PASSWORD, ADDRESS)
    assert statuses == [400] * 5 + [429]
    assert blocked.status_code == 429


async def test_right_current_password_forgets_the_failures(make_api: ApiFactory) -> None:
    async with throttled_api(make_api, {}) as api:
        user = await api.new_user()
        for _ in range(4):
            await change_password(user, "wrong guess", "x" * 12)
        ok = await change_password(user, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        again = [
            (await change_password(user, "wrong guess", "x" * 12)).status_code for _ in range(4)
        ]
    assert ok.status_code == 204
    assert again == [400] * 4
