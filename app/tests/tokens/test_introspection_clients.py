"""Who may introspect: the configured clients, by HTTP Basic; failures are throttled."""

import asyncio
import base64
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.tests.api_client import Api, ApiFactory
from app.tests.tokens.support import (
    INTROSPECTION,
    INTROSPECTION_CLIENT,
    INTROSPECTION_SECRET,
    basic,
    introspect,
    introspection_clients,
)

WRONG_CREDENTIALS = {
    "none": {},
    "wrong secret": basic(INTROSPECTION_CLIENT, "not-the-secret"),
    "unknown client": basic("someone-else", INTROSPECTION_SECRET),
    "empty": basic("", ""),
    "bearer": {"Authorization": f"Bearer {INTROSPECTION_SECRET}"},
    "not base64": {"Authorization": "Basic %%%"},
    "no colon": {"Authorization": "Basic " + base64.b64encode(b"resource-server").decode()},
    "not utf-8": {"Authorization": "Basic " + base64.b64encode(b"\xff:\xfe").decode()},
    "hash as secret": basic(INTROSPECTION_CLIENT, INTROSPECTION["clients"][INTROSPECTION_CLIENT]),
}


@pytest.mark.parametrize("name", WRONG_CREDENTIALS)
async def test_wrong_client_credentials_get_401_invalid_client(service: Api, name: str) -> None:
    user = await service.new_user()
    response = await introspect(service, user.tokens["access_token"], auth=WRONG_CREDENTIALS[name])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"] == "Basic"
    assert INTROSPECTION_SECRET not in response.text
    assert user.tokens["access_token"] not in response.text


async def test_without_configured_clients_nobody_may_introspect(user: Api) -> None:
    response = await introspect(user, user.tokens["access_token"])
    assert response.status_code == 401


async def test_form_encoded_client_credentials_are_decoded(make_api: ApiFactory) -> None:
    """RFC 6749 section 2.3.1: id and secret are form-urlencoded before Basic encoding."""
    client_id, secret = "svc:a b", "p%ss:w+rd " + "z" * 30
    async with make_api(introspection=introspection_clients(**{client_id: secret})) as api:
        user = await api.new_user()
        encoded = basic("svc%3Aa+b", "p%25ss%3Aw%2Brd+" + "z" * 30)
        response = await introspect(api, user.tokens["access_token"], auth=encoded)
    assert response.json()["active"] is True


async def test_failed_client_authentication_is_throttled_even_for_the_right_secret(
    make_api: ApiFactory,
) -> None:
    throttle = {"requests_per_address": 3, "address_window_secs": 60}
    async with make_api(introspection=INTROSPECTION, throttle=throttle) as api:
        user = await api.new_user()
        token = user.tokens["access_token"]
        wrong = basic(INTROSPECTION_CLIENT, "guess")
        statuses = [(await introspect(api, token, auth=wrong)).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        right = await introspect(api, token)
        assert right.status_code == 429
        assert 1 <= int(right.headers["retry-after"]) <= 60
        assert "active" not in right.text
    # Another address of the same client is not held back by the guesser.
    async with make_api(
        introspection=INTROSPECTION, throttle=throttle, peer=("10.9.8.7", 1)
    ) as other:
        assert (await introspect(other, token)).json()["active"] is True


async def test_successful_client_authentication_is_not_throttled(make_api: ApiFactory) -> None:
    throttle = {"requests_per_address": 2, "address_window_secs": 60}
    async with make_api(introspection=INTROSPECTION, throttle=throttle) as api:
        user = await api.new_user()
        for _ in range(5):
            response = await introspect(api, user.tokens["access_token"])
            assert response.json()["active"] is True


@pytest.mark.parametrize(
    "stored", ["the-secret-itself", "sha256:" + "0" * 63, "sha256:" + "G" * 64, "md5:" + "0" * 32]
)
def test_clients_must_be_configured_by_sha256_hash(
    make_settings: Callable[..., Settings], stored: str
) -> None:
    with pytest.raises(ValidationError, match=r"introspection\.clients"):
        make_settings(introspection={"clients": {"svc": stored}})


async def test_the_right_secret_works_again_once_the_window_has_passed(
    make_api: ApiFactory,
) -> None:
    throttle = {"requests_per_address": 1, "address_window_secs": 1}
    async with make_api(introspection=INTROSPECTION, throttle=throttle) as api:
        user = await api.new_user()
        token = user.tokens["access_token"]
        wrong = basic(INTROSPECTION_CLIENT, "guess")
        assert (await introspect(api, token, auth=wrong)).status_code == 401
        assert (await introspect(api, token, auth=wrong)).status_code == 429
        assert (await introspect(api, token)).status_code == 429
        await asyncio.sleep(1.2)
        assert (await introspect(api, token)).json()["active"] is True
