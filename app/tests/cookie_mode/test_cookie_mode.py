"""Cookie mode: the cookie's attributes, a body without the token, the successor cookie,
the header required wherever the cookie is read, the body winning, logout clearing it."""

import time

import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.cookie_mode.browser import (
    Browser,
    cookie_attributes,
    new_browser,
    set_cookies,
)

REQUIRED_ATTRIBUTES = {"httponly": "", "secure": "", "samesite": "Strict", "path": "/auth"}


def only_cookie(response_headers: list[str]) -> dict[str, str]:
    assert len(response_headers) == 1, response_headers
    return cookie_attributes(response_headers[0])


async def test_login_sets_the_cookie_with_its_attributes_and_no_token_in_the_body(
    api: Api,
) -> None:
    account = await api.new_user()
    browser = Browser(account)
    response = await browser.login()
    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] is None
    assert response.headers["cache-control"] == "no-store"
    cookie = only_cookie(set_cookies(response))
    assert {key: cookie[key] for key in REQUIRED_ATTRIBUTES} == REQUIRED_ATTRIBUTES
    assert len(cookie["refresh_token"]) == 75
    remaining = body["refresh_token_expires_at"] - time.time()
    assert abs(int(cookie["max-age"]) - remaining) <= 2
    assert (await browser.me()).status_code == 200


async def test_login_without_the_header_sets_no_cookie(api: Api) -> None:
    account = await api.new_user()
    response = await account.login()
    assert set_cookies(response) == []
    assert isinstance(response.json()["refresh_token"], str)


@pytest.mark.parametrize("value", ["Cookie", "cookie ", "body", "cookie, cookie", ""])
async def test_a_header_value_other_than_cookie_is_not_cookie_mode(api: Api, value: str) -> None:
    account = await api.new_user()
    form = {"username": account.email, "password": account.password}
    headers = {"X-Refresh-Token-Transport": value}
    response = await account.request("POST", "login_access_token", data=form, headers=headers)
    assert set_cookies(response) == []
    assert isinstance(response.json()["refresh_token"], str)


@pytest.mark.parametrize("body", [None, {}, {"refresh_token": None}])
async def test_refresh_from_the_cookie_sets_the_successor_cookie(
    browser: Browser, body: object
) -> None:
    first = browser.cookie
    response = await browser.refresh(json=body)
    assert response.status_code == 200
    assert response.json()["refresh_token"] is None
    cookie = only_cookie(set_cookies(response))
    assert {key: cookie[key] for key in REQUIRED_ATTRIBUTES} == REQUIRED_ATTRIBUTES
    assert cookie["refresh_token"] not in {"", first}
    assert (await browser.me()).status_code == 200
    # The first token is spent: replaying it (within the grace) fails.
    assert (await browser.api.refresh(first)).status_code == 400


async def test_the_token_endpoints_refresh_grant_reads_the_cookie(browser: Browser) -> None:
    first = browser.cookie
    response = await browser.post("login_access_token", data={"grant_type": "refresh_token"})
    assert response.status_code == 200
    assert response.json()["refresh_token"] is None
    assert browser.cookie not in {None, first}


async def test_without_the_header_the_cookie_is_ignored(browser: Browser) -> None:
    refresh = await browser.refresh(cookie_mode=False)
    grant = await browser.post(
        "login_access_token", cookie_mode=False, data={"grant_type": "refresh_token"}
    )
    logout = await browser.logout(cookie_mode=False)
    assert refresh.status_code == 422
    assert (grant.status_code, grant.json()["error"]) == (400, "invalid_request")
    assert logout.status_code == 422
    assert set_cookies(refresh) == set_cookies(grant) == set_cookies(logout) == []
    # Nothing was spent nor revoked: the cookie still refreshes in cookie mode.
    assert (await browser.refresh()).status_code == 200


async def test_a_token_in_the_body_wins_over_the_cookie(api: Api, browser: Browser) -> None:
    other = await api.new_user()
    cookie = browser.cookie
    response = await browser.refresh(json={"refresh_token": other.tokens["refresh_token"]})
    assert response.status_code == 200
    assert (await other.refresh()).status_code == 400  # the body's token was spent
    browser.cookie = cookie
    assert (await browser.refresh()).status_code == 200  # the cookie's was not


async def test_logout_from_the_cookie_revokes_and_clears_it(browser: Browser) -> None:
    cookie = browser.cookie
    response = await browser.logout()
    assert response.status_code == 204
    cleared = only_cookie(set_cookies(response))
    assert cleared["refresh_token"] == ""
    assert cleared["max-age"] == "0"
    assert {key: cleared[key] for key in REQUIRED_ATTRIBUTES} == REQUIRED_ATTRIBUTES
    assert (await browser.me()).status_code == 401
    assert (await browser.api.refresh(cookie)).status_code == 400


async def test_logout_with_a_body_token_in_cookie_mode_clears_the_cookie_too(
    browser: Browser,
) -> None:
    cookie = browser.cookie
    response = await browser.logout(json={"refresh_token": cookie})
    assert response.status_code == 204
    assert only_cookie(set_cookies(response))["max-age"] == "0"
    assert (await browser.me()).status_code == 401


async def test_cookie_mode_without_a_cookie(api: Api) -> None:
    browser = await new_browser(api)
    browser.cookie = None
    refresh = await browser.refresh()
    grant = await browser.post("login_access_token", data={"grant_type": "refresh_token"})
    logout = await browser.logout()
    assert (refresh.status_code, refresh.json()) == (
        400,
        {"detail": messages.REFRESH_TOKEN_REQUIRED, "error": "invalid_request"},
    )
    assert (grant.status_code, grant.json()["error"]) == (400, "invalid_request")
    assert logout.status_code == 204
    assert only_cookie(set_cookies(logout))["max-age"] == "0"


@pytest.mark.parametrize("cookie", ["garbage", "x" * 75, "", "%00"])
async def test_a_forged_cookie_gets_400_and_never_a_500(browser: Browser, cookie: str) -> None:
    browser.cookie = cookie
    response = await browser.refresh()
    assert response.status_code == 400
    assert cookie not in response.text or cookie == ""


async def test_a_spent_cookie_replayed_after_the_grace_revokes_the_session(
    make_api: ApiFactory,
) -> None:
    async with make_api(security={"refresh_reuse_grace_secs": 0}) as api:
        browser = await new_browser(api)
        spent = browser.cookie
        assert (await browser.refresh()).status_code == 200
        live = browser.cookie
        browser.cookie = spent
        assert (await browser.refresh()).status_code == 400
        browser.cookie = live
        assert (await browser.refresh()).status_code == 400
        assert (await browser.me()).status_code == 401
