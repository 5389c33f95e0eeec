"""POST /auth/revoke (RFC 7009): refresh and access tokens end their session; 200 for any
token; forged tokens revoke nothing; cookie mode reads and clears the cookie."""

import time

import jwt
import pytest

from app.tests.api_client import Api
from app.tests.conftest import TEST_JWT_SECRET
from app.tests.cookie_mode.browser import Browser, cookie_attributes, new_browser, set_cookies
from app.tests.tokens.support import revoke


async def test_revoking_a_refresh_token_ends_its_session(user: Api) -> None:
    other = await user.new_session()
    response = await revoke(user, user.tokens["refresh_token"], token_type_hint="refresh_token")
    assert (response.status_code, response.content) == (200, b"")
    assert await user.session_revoked()
    assert await other.session_works()


async def test_revoking_a_spent_refresh_token_ends_its_session(user: Api) -> None:
    spent = user.tokens["refresh_token"]
    assert (await user.refresh()).status_code == 200
    assert (await revoke(user, spent)).status_code == 200
    assert await user.session_revoked()


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", None])
async def test_revoking_an_access_token_ends_its_session(user: Api, hint: str | None) -> None:
    form = {} if hint is None else {"token_type_hint": hint}
    response = await revoke(user, user.tokens["access_token"], **form)
    assert (response.status_code, response.content) == (200, b"")
    assert await user.session_revoked()


async def test_a_client_id_is_ignored(user: Api) -> None:
    response = await revoke(user, user.tokens["refresh_token"], client_id="anyone")
    assert response.status_code == 200
    assert await user.session_revoked()


@pytest.mark.parametrize(
    "token", ["x", "a" * 75, "x" * 10_000, "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "\u00e9"]
)
async def test_any_other_token_gets_200_and_revokes_nothing(user: Api, token: str) -> None:
    assert (await revoke(user, token)).status_code == 200
    assert await user.session_works()


async def test_a_forged_access_token_naming_a_live_session_revokes_nothing(user: Api) -> None:
    forged = jwt.encode(
        user.claims, "not-the-secret-" + "q" * 40, algorithm="HS256", headers={"typ": "at+jwt"}
    )
    assert (await revoke(user, forged)).status_code == 200
    assert await user.session_works()


async def test_an_expired_access_token_revokes_nothing(user: Api) -> None:
    now = int(time.time())
    expired = jwt.encode(
        {**user.claims, "iat": now - 60, "exp": now - 1},
        TEST_JWT_SECRET,
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )
    assert (await revoke(user, expired)).status_code == 200
    assert await user.session_works()


@pytest.mark.parametrize("token", [None, ""])
async def test_a_missing_token_gets_400_invalid_request(user: Api, token: str | None) -> None:
    response = await revoke(user, token)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


async def test_in_cookie_mode_revoke_reads_and_clears_the_cookie(api: Api) -> None:
    browser = await new_browser(api)
    response = await browser.post("revoke_token", data={"token_type_hint": "refresh_token"})
    assert response.status_code == 200
    cleared = cookie_attributes(set_cookies(response)[0])
    assert (cleared["refresh_token"], cleared["max-age"], cleared["path"]) == ("", "0", "/auth")
    assert (await browser.me()).status_code == 401


async def test_without_the_header_revoke_ignores_the_cookie(browser: Browser) -> None:
    response = await browser.post("revoke_token", cookie_mode=False, data={})
    assert response.status_code == 400
    assert set_cookies(response) == []
    assert (await browser.me()).status_code == 200


async def test_in_cookie_mode_without_a_cookie_revoke_still_clears_it(api: Api) -> None:
    browser = await new_browser(api)
    browser.cookie = None
    response = await browser.post("revoke_token", data={})
    assert response.status_code == 200
    assert cookie_attributes(set_cookies(response)[0])["max-age"] == "0"
    assert (await browser.me()).status_code == 200
