"""The pages of the links in emails, over HTTP (the browser tests are in e2e/)."""

import pytest

from app.tests.api_client import Api, ApiFactory
from app.tests.lifecycle.support import verification_token
from app.tests.recovery.support import Inbox

PAGES = ("/reset-password", "/verify-email", "/confirm-email")


@pytest.mark.parametrize("path", PAGES)
async def test_pages_carry_the_security_headers(api: Api, path: str) -> None:
    response = await api.request("GET", path, params={"token": "some-token"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text
    assert " on" + "click" not in response.text
    assert response.text.index('src="/static/status.js"') < response.text.index(
        'src="/static/pages.js"'
    )
    assert 'name="viewport"' in response.text


async def test_fetching_the_link_spends_nothing(api: Api, inbox: Inbox) -> None:
    user = await api.new_user()
    await user.finish_background_jobs()
    token = verification_token(inbox, user.email)
    page = await api.request("GET", "/verify-email", params={"token": token})
    assert page.status_code == 200
    assert f'value="{token}"' in page.text
    assert (await user.me()).json()["email_verified"] is False
    assert (await user.verify_email(token)).status_code == 200


@pytest.mark.parametrize("path", PAGES)
async def test_a_link_without_a_usable_token_says_so(api: Api, path: str) -> None:
    for params in ({}, {"token": "x" * 600}):
        response = await api.request("GET", path, params=params)
        assert response.status_code == 200
        assert "This link is incomplete" in response.text
        assert "x" * 600 not in response.text


async def test_the_token_is_escaped_in_the_page(api: Api) -> None:
    response = await api.request("GET", "/reset-password", params={"token": '"><script>x'})
    assert '"><script>' not in response.text
    assert "&#34;&gt;&lt;script&gt;x" in response.text


async def test_the_reset_page_offers_the_password_rules(api: Api) -> None:
    response = await api.request("GET", "/reset-password", params={"token": "t"})
    assert 'minlength="8"' in response.text
    assert 'maxlength="256"' in response.text
    assert 'data-endpoint="/auth/password-reset"' in response.text


async def test_the_script_is_served_as_javascript(api: Api) -> None:
    response = await api.request("GET", "/static/pages.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "fetch(" in response.text
    css = await api.request("GET", "/static/pages.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "name", ["missing.js", "..%2Fmain.py", "pages.js.bak", "PAGES.JS", "x" * 300 + ".js"]
)
async def test_only_the_static_files_are_served(api: Api, name: str) -> None:
    response = await api.request("GET", f"/static/{name}")
    assert response.status_code == 404


async def test_pages_can_be_switched_off(make_api: ApiFactory) -> None:
    async with make_api(pages={"enabled": False}) as api:
        for path in (*PAGES, "/static/pages.js"):
            assert (await api.request("GET", path)).status_code == 404
