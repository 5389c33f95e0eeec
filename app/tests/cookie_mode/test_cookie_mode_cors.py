"""Cookie mode across origins: credentials only for a listed origin (preflights are in
hardening/test_item14_cors_credentials.py)."""

import pytest

from app.tests.api_client import ApiFactory
from app.tests.cookie_mode.browser import Browser, new_browser

FRONTEND = "http://127.0.0.1:5173"
OTHER_SITE = "http://127.0.0.1:6666"


@pytest.mark.parametrize(("origin", "allowed"), [(FRONTEND, True), (OTHER_SITE, False)])
async def test_a_credentialed_refresh_is_readable_only_by_a_listed_origin(
    make_api: ApiFactory, origin: str, allowed: bool
) -> None:
    async with make_api(security={"backend_cors_origins": [FRONTEND]}) as api:
        browser: Browser = await new_browser(api)
        response = await browser.refresh(headers={"Origin": origin})
    assert response.status_code == 200
    if allowed:
        assert response.headers["access-control-allow-origin"] == FRONTEND
        assert response.headers["access-control-allow-credentials"] == "true"
    else:
        # Without Allow-Origin the browser hands the page nothing of the response.
        assert "access-control-allow-origin" not in response.headers
