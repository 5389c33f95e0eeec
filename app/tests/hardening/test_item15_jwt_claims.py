"""Review item 15: access tokens are RFC 9068 JWTs with `aud` and `amr`, and `iat` allows skew.

Forged tokens start from the claims of a live session and are signed with
the test secret, so that the rule under test is the only reason for a 401.
"""

import time
from typing import Any

import jwt
import pytest

from app.tests.api_client import Api, ApiFactory
from app.tests.conftest import TEST_JWT_SECRET

AT_JWT = {"typ": "at+jwt"}


def sign(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256", headers=headers or AT_JWT)


async def status_of(api: Api, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return (await api.request("GET", "read_current_user", headers=headers)).status_code


async def test_issued_token_is_typed_at_jwt(user: Api) -> None:
    assert jwt.get_unverified_header(user.tokens["access_token"])["typ"] == "at+jwt"


async def test_issuer_and_audience_default_to_the_public_url(user: Api) -> None:
    public_url = user.services.settings.public_url
    assert (user.claims["iss"], user.claims["aud"]) == (public_url, public_url)


async def test_password_login_token_says_pwd(user: Api) -> None:
    assert user.claims["amr"] == ["pwd"]


async def test_refreshed_token_keeps_the_sessions_amr(user: Api) -> None:
    assert (await user.refresh()).status_code == 200
    assert user.claims["amr"] == ["pwd"]


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
async def test_at_jwt_type_is_accepted(user: Api, typ: str) -> None:
    assert await status_of(user, sign(user.claims, {"typ": typ})) == 200


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "at+jwt+x", "application/jwt"])
async def test_other_or_no_type_is_refused(user: Api, typ: str | None) -> None:
    assert await status_of(user, sign(user.claims, {"typ": typ})) == 401


async def test_iat_up_to_30_seconds_ahead_is_accepted(user: Api) -> None:
    assert await status_of(user, sign({**user.claims, "iat": int(time.time()) + 25})) == 200


async def test_iat_more_than_30_seconds_ahead_is_refused(user: Api) -> None:
    assert await status_of(user, sign({**user.claims, "iat": int(time.time()) + 40})) == 401


@pytest.mark.parametrize("iat", ["1700000000", True, [1]])
async def test_non_numeric_iat_is_refused(user: Api, iat: object) -> None:
    assert await status_of(user, sign({**user.claims, "iat": iat})) == 401


async def test_exp_has_no_leeway(user: Api) -> None:
    now = int(time.time())
    assert await status_of(user, sign({**user.claims, "iat": now - 60, "exp": now - 2})) == 401


@pytest.mark.parametrize("missing", ["aud", "amr"])
async def test_token_without_aud_or_amr_is_refused(user: Api, missing: str) -> None:
    claims = user.claims
    del claims[missing]
    assert await status_of(user, sign(claims)) == 401


@pytest.mark.parametrize("aud", ["https://other.example.com", ["https://other.example.com"]])
async def test_token_for_another_audience_is_refused(user: Api, aud: object) -> None:
    assert await status_of(user, sign({**user.claims, "aud": aud})) == 401


async def test_audience_list_that_names_this_service_is_accepted(user: Api) -> None:
    token = sign({**user.claims, "aud": ["https://other.example.com", user.claims["aud"]]})
    assert await status_of(user, token) == 200


@pytest.mark.parametrize("amr", ["pwd", [], [1], {"pwd": True}])
async def test_amr_that_is_not_a_list_of_methods_is_refused(user: Api, amr: object) -> None:
    assert await status_of(user, sign({**user.claims, "amr": amr})) == 401


async def test_issuer_follows_public_url(make_api: ApiFactory) -> None:
    async with make_api(public_url="https://auth.example.com") as api:
        user = await api.new_user()
        assert (user.claims["iss"], user.claims["aud"]) == ("https://auth.example.com",) * 2
        old_default = {**user.claims, "iss": "fastapi-auth-backend", "aud": "fastapi-auth-backend"}
        assert await status_of(user, sign(old_default)) == 401


async def test_configured_issuer_overrides_public_url_and_sets_the_audience(
    make_api: ApiFactory,
) -> None:
    async with make_api(security={"jwt_issuer": "urn:example:auth"}) as api:
        user = await api.new_user()
        assert (user.claims["iss"], user.claims["aud"]) == ("urn:example:auth", "urn:example:auth")


async def test_configured_audience_is_required(make_api: ApiFactory) -> None:
    async with make_api(security={"jwt_audience": "https://api.example.com"}) as api:
        user = await api.new_user()
        assert user.claims["aud"] == "https://api.example.com"
        assert await status_of(user, sign({**user.claims, "aud": user.claims["iss"]})) == 401
