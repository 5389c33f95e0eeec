"""Cookie mode in a real browser: a page of another origin on 127.0.0.1, listed in the CORS
origins, logs in through `fetch` with credentials, refreshes, cannot read the refresh
token, and logs out.

The cookie is `Secure`: Chromium treats http://127.0.0.1 as potentially
trustworthy, so it keeps and sends Secure cookies there as over HTTPS.
"""

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Cookie, Page

from e2e.live_server import free_port, fresh_database, live_server

PAGE_FILE = Path(__file__).parent / "cookie_page.html"
# Under the cookie's path (/auth), so that only HttpOnly keeps it from document.cookie.
PAGE_PATH = "/auth/index.html"
PASSWORD = "cookie mode e2e password"


class _PageHandler(BaseHTTPRequestHandler):
    """Serves the page at PAGE_PATH, under the cookie's path, and nothing else."""

    def do_GET(self) -> None:
        if urlsplit(self.path).path != PAGE_PATH:
            self.send_error(404)
            return
        body = PAGE_FILE.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays quiet
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """The page's origin: another port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def api_url(page_origin: str) -> Iterator[str]:
    cors = {"SECURITY__BACKEND_CORS_ORIGINS": f'["{page_origin}"]'}
    with (
        fresh_database() as database_url,
        live_server(database_url=database_url, extra_env=cors) as url,
    ):
        yield url


@pytest.fixture
def cookie_page(browser: Browser, page_origin: str, api_url: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{page_origin}{PAGE_PATH}?api={api_url}")
    yield page
    context.close()


def refresh_cookies(page: Page) -> list[Cookie]:
    return [c for c in page.context.cookies() if c["name"] == "refresh_token"]


def test_a_page_of_another_origin_logs_in_refreshes_and_logs_out_in_cookie_mode(
    cookie_page: Page, api_url: str
) -> None:
    email = f"cookie-{uuid.uuid4().hex[:12]}@example.com"
    registered = httpx.post(f"{api_url}/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text

    login = cookie_page.evaluate("([e, p]) => login(e, p)", [email, PASSWORD])
    assert login["status"] == 200, login
    assert login["body"]["refresh_token"] is None
    [cookie] = refresh_cookies(cookie_page)
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")
    assert (cookie["domain"], cookie["path"]) == ("127.0.0.1", "/auth")
    # The page's path is under /auth too: only HttpOnly hides the cookie from scripts.
    assert "refresh_token" not in cookie_page.evaluate("document.cookie")
    assert cookie_page.evaluate("(t) => me(t)", login["body"]["access_token"])["status"] == 200

    refreshed = cookie_page.evaluate("refresh()")
    assert refreshed["status"] == 200, refreshed
    assert refreshed["body"]["refresh_token"] is None
    [successor] = refresh_cookies(cookie_page)
    assert successor["value"] != cookie["value"]
    assert "refresh_token" not in cookie_page.evaluate("document.cookie")
    access_token = refreshed["body"]["access_token"]
    assert cookie_page.evaluate("(t) => me(t)", access_token)["status"] == 200

    assert cookie_page.evaluate("logout()")["status"] == 204
    assert refresh_cookies(cookie_page) == []
    assert cookie_page.evaluate("(t) => me(t)", access_token)["status"] == 401
    assert cookie_page.evaluate("refresh()")["status"] == 400
