"""Browser test setup: a live server on a fresh database, and headless Chromium.

The browser is the system's Chromium (Debian's `chromium`), driven by
Playwright: Playwright's own browser builds cannot be downloaded here. The page
may reach the server under test only. Swagger UI's files, which /docs loads
from a CDN, are served from the copy the `fastapi-offline` package ships, so
that the test runs offline and does not depend on a third party being up.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from e2e.live_server import fresh_database, live_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SWAGGER_UI_FILES = Path(fastapi_offline.__file__).parent / "static"
ARTIFACTS_DIR = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with fresh_database() as database_url, live_server(database_url=database_url) as url:
        yield url


@pytest.fixture(scope="session")
def openapi(base_url: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{base_url}/openapi.json").raise_for_status().json()
    return document


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make e2e` installs it, or set CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _serve_offline(base_url: str) -> Any:
    def handle(route: Route) -> None:
        url = route.request.url
        asset = SWAGGER_UI_FILES / url.rsplit("/", 1)[-1]
        if url.startswith(base_url):
            route.continue_()
        elif asset.is_file():
            route.fulfill(path=asset)
        else:
            route.abort()

    return handle


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _serve_offline(base_url))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
