"""Review item 15: access tokens are RFC 9068 JWTs with `aud` and `amr`, and `iat` allows skew.

Forged tokens start from the claims of a live session and are signed with
the test secret, so that the rule under test is the only reason for a 401.
"""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.tests.apps import client_of, running_app, services_of_app
from app.tests.conftest import TEST_JWT_SECRET
from app.tests.factories import claims_of, login, refresh, register, register_and_login, url

AT_JWT = {"typ": "at+jwt"}


def sign(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256", headers=headers or AT_JWT)


async def live_claims(client: httpx.AsyncClient, app: FastAPI) -> dict[str, Any]:
    _, tokens = await register_and_login(client, app)
    return claims_of(tokens)


async def status_of(client: httpx.AsyncClient, app: FastAPI, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return (await client.get(url(app, "read_current_user"), headers=headers)).status_code


@asynccontextmanager
async def app_with(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async with running_app(settings) as application, client_of(application) as client:
        yield client, application


async def test_issued_token_is_typed_at_jwt(client: httpx.AsyncClient, app: FastAPI) -> None:
    _, tokens = await register_and_login(client, app)
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"


async def test_issuer_and_audience_default_to_the_public_url(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    public_url = services_of_app(app).settings.public_url
    assert (claims["iss"], claims["aud"]) == (public_url, public_url)


async def test_password_login_token_says_pwd(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await live_claims(client, app))["amr"] == ["pwd"]


async def test_refreshed_token_keeps_the_sessions_amr(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    refreshed = (await refresh(client, app, tokens["refresh_token"])).json()
    assert claims_of(refreshed)["amr"] == ["pwd"]


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt"])
async def test_at_jwt_type_is_accepted(client: httpx.AsyncClient, app: FastAPI, typ: str) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign(claims, {"typ": typ})) == 200


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "at+jwt+x", "application/jwt"])
async def test_other_or_no_type_is_refused(
    client: httpx.AsyncClient, app: FastAPI, typ: str | None
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign(claims, {"typ": typ})) == 401


async def test_iat_up_to_30_seconds_ahead_is_accepted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign({**claims, "iat": int(time.time()) + 25})) == 200


async def test_iat_more_than_30_seconds_ahead_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign({**claims, "iat": int(time.time()) + 40})) == 401


@pytest.mark.parametrize("iat", ["1700000000", True, [1]])
async def test_non_numeric_iat_is_refused(
    client: httpx.AsyncClient, app: FastAPI, iat: object
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign({**claims, "iat": iat})) == 401


async def test_exp_has_no_leeway(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    now = int(time.time())
    assert await status_of(client, app, sign({**claims, "iat": now - 60, "exp": now - 2})) == 401


@pytest.mark.parametrize("missing", ["aud", "amr"])
async def test_token_without_aud_or_amr_is_refused(
    client: httpx.AsyncClient, app: FastAPI, missing: str
) -> None:
    claims = await live_claims(client, app)
    del claims[missing]
    assert await status_of(client, app, sign(claims)) == 401


@pytest.mark.parametrize("aud", ["https://other.example.com", ["https://other.example.com"]])
async def test_token_for_another_audience_is_refused(
    client: httpx.AsyncClient, app: FastAPI, aud: object
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign({**claims, "aud": aud})) == 401


async def test_audience_list_that_names_this_service_is_accepted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    token = sign({**claims, "aud": ["https://other.example.com", claims["aud"]]})
    assert await status_of(client, app, token) == 200


@pytest.mark.parametrize("amr", ["pwd", [], [1], {"pwd": True}])
async def test_amr_that_is_not_a_list_of_methods_is_refused(
    client: httpx.AsyncClient, app: FastAPI, amr: object
) -> None:
    claims = await live_claims(client, app)
    assert await status_of(client, app, sign({**claims, "amr": amr})) == 401


async def test_issuer_follows_public_url(make_settings: Any, db: asyncpg.Connection) -> None:
    settings = make_settings().model_copy(update={"public_url": "https://auth.example.com"})
    async with app_with(settings) as (client, app):
        claims = await live_claims(client, app)
        assert (claims["iss"], claims["aud"]) == ("https://auth.example.com",) * 2
        old_default = {**claims, "iss": "fastapi-auth-backend", "aud": "fastapi-auth-backend"}
        assert await status_of(client, app, sign(old_default)) == 401


async def test_configured_issuer_overrides_public_url_and_sets_the_audience(
    make_settings: Any, db: asyncpg.Connection
) -> None:
    async with app_with(make_settings(jwt_issuer="urn:example:auth")) as (client, app):
        claims = await live_claims(client, app)
        assert (claims["iss"], claims["aud"]) == ("urn:example:auth", "urn:example:auth")


async def test_configured_audience_is_required(make_settings: Any, db: asyncpg.Connection) -> None:
    async with app_with(make_settings(jwt_audience="https://api.example.com")) as (client, app):
        account = await register(client, app)
        tokens = await login(client, app, email=account.email)
        claims = claims_of(tokens)
        assert claims["aud"] == "https://api.example.com"
        assert await status_of(client, app, sign({**claims, "aud": claims["iss"]})) == 401
