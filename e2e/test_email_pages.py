"""The pages of the links in emails, in a real browser, with the links a real SMTP server got.

Each test opens a link from a message the server mailed, checks that opening
it spent nothing, then uses the page's button as a person would.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from e2e.live_server import fresh_database, live_server
from e2e.mail import Mailbox, smtp_server

PASSWORD = "pages e2e password"
NEW_PASSWORD = "a new password from the page"
TIMEOUT_MS = 15_000
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "images" / "reset-password-page.png"


@pytest.fixture(scope="module")
def mail_server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def mailbox(mail_server: tuple[Mailbox, int]) -> Mailbox:
    return mail_server[0]


@pytest.fixture(scope="module")
def site(mail_server: tuple[Mailbox, int]) -> Iterator[str]:
    """A live server that mails through the test SMTP server; its base URL."""
    smtp = {"SMTP__HOST": "127.0.0.1", "SMTP__PORT": str(mail_server[1]), "SMTP__SECURITY": "none"}
    with (
        fresh_database() as database_url,
        live_server(database_url=database_url, extra_env=smtp) as url,
    ):
        yield url


@pytest.fixture
def page(browser: Browser, site: str) -> Iterator[Page]:
    """A page that may reach the site under test only (the CSP allows nothing else)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def only_the_site(route: Route) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_site)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def csp_errors(page: Page) -> list[str]:
    """Console errors of the page (a CSP violation is one)."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep)
    return errors


def register(site: str) -> tuple[str, httpx.Client]:
    """A new account; a client holding its access token."""
    email = f"pages-{uuid.uuid4().hex[:12]}@example.com"
    response = httpx.post(f"{site}/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email, signed_in(site, email, PASSWORD)


def signed_in(site: str, email: str, password: str) -> httpx.Client:
    response = httpx.post(
        f"{site}/auth/access-token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=site, headers={"Authorization": f"Bearer {token}"})


def open_page(page: Page, link: str) -> None:
    """Open `link` and check the page's security headers."""
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"


def test_reset_page_sets_a_new_password(
    page: Page, site: str, mailbox: Mailbox, csp_errors: list[str]
) -> None:
    email, _ = register(site)
    assert httpx.post(f"{site}/auth/password-recovery", json={"email": email}).status_code == 202
    link = mailbox.wait_for_link(
        recipient=email, subject="Reset your password", page="reset-password"
    )
    page.set_viewport_size({"width": 420, "height": 640})
    open_page(page, link)
    # Opening the link spent nothing: the old password still signs in.
    signed_in(site, email, PASSWORD)

    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT)
    page.get_by_role("button", name="Set the new password").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Your password is changed", timeout=TIMEOUT_MS
    )
    signed_in(site, email, NEW_PASSWORD)
    assert csp_errors == []


def test_reset_page_says_when_the_passwords_differ(page: Page, site: str) -> None:
    open_page(page, f"{site}/reset-password?token=unknown")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("The two passwords differ")


def test_verify_page_confirms_the_address_with_its_button(
    page: Page, site: str, mailbox: Mailbox, csp_errors: list[str]
) -> None:
    email, client = register(site)
    link = mailbox.wait_for_link(
        recipient=email, subject="Confirm your email address", page="verify-email"
    )
    open_page(page, link)
    page.wait_for_load_state("networkidle")
    assert client.get("/users/me").json()["email_verified"] is False  # the GET spent nothing

    page.get_by_role("button", name="Confirm my address").click()

    expect(page.get_by_role("status")).to_contain_text("is confirmed", timeout=TIMEOUT_MS)
    assert client.get("/users/me").json()["email_verified"] is True
    assert csp_errors == []


def test_an_unknown_token_fails_with_a_readable_message(page: Page, site: str) -> None:
    open_page(page, f"{site}/verify-email?token=not-a-token-we-issued")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("invalid, expired or already used")


def test_confirm_page_moves_the_account_to_the_new_address(
    page: Page, site: str, mailbox: Mailbox, csp_errors: list[str]
) -> None:
    email, client = register(site)
    new_email = f"moved-{uuid.uuid4().hex[:12]}@example.com"
    body = {"new_email": new_email, "current_password": PASSWORD}
    assert client.post("/users/me/email", json=body).status_code == 202
    link = mailbox.wait_for_link(
        recipient=new_email, subject="Confirm your new email address", page="confirm-email"
    )
    open_page(page, link)
    page.wait_for_load_state("networkidle")
    assert client.get("/users/me").json()["email"] == email  # the GET spent nothing

    page.get_by_role("button", name="Use this address").click()

    expect(page.get_by_role("status")).to_contain_text("now uses this email", timeout=TIMEOUT_MS)
    assert client.get("/users/me").json()["email"] == new_email
    signed_in(site, new_email, PASSWORD)
    assert csp_errors == []
