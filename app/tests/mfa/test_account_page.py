"""GET /account: the page and its script, with the pages' security headers."""

from app.tests.api_client import Api, ApiFactory


async def test_the_account_page_has_the_pages_headers_and_one_script(api: Api) -> None:
    response = await api.request("GET", "/account")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    # The shared status script first: deferred scripts run in document order.
    shared = '<script src="/static/status.js" defer></script>'
    own = '<script src="/static/account.js" defer></script>'
    assert response.text.index(shared) < response.text.index(own)
    assert "<script>" not in response.text
    assert " on" + "click=" not in response.text


async def test_the_script_is_served_as_javascript(api: Api) -> None:
    response = await api.request("GET", "/static/account.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "X-Refresh-Token-Transport" in response.text
    assert "localStorage" not in response.text
    assert "sessionStorage" not in response.text


async def test_the_page_is_off_with_the_pages(make_api: ApiFactory) -> None:
    async with make_api(pages={"enabled": False}) as api:
        assert (await api.request("GET", "/account")).status_code == 404
