"""/account in Chromium: register, TOTP, password plus code, a passkey on Chromium's
virtual authenticator, passkey-only sign-in, and revoking another session.

The server is reached as http://localhost:<port>: WebAuthn takes a domain as
relying party (`localhost`), never an IP address. Screenshots of two steps go
to e2e/artifacts/ and, for the README, to docs/images/.
"""

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.live_server import fresh_database, live_server

PASSWORD = "a long passphrase for the e2e test"
DOCS_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


@pytest.fixture(scope="module")
def account_url() -> Iterator[str]:
    with (
        fresh_database() as database_url,
        live_server(database_url=database_url, host_name="localhost") as url,
    ):
        yield url


@pytest.fixture
def account_page(browser: Browser, account_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    # Nothing but the server under test: the page's CSP allows nothing else either.
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(account_url) else route.abort()
        ),
    )
    page = context.new_page()
    yield page
    context.close()


def code_after(secret: str, steps: int) -> str:
    """The TOTP code `steps` 30-second steps from now (each step is accepted once)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def register(page: Page, email: str) -> None:
    """Register on the page; it signs in at once."""
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register button")
    expect(page.locator("#account-email")).to_have_text(email)


def enable_totp(page: Page, artifacts_dir: Path) -> tuple[str, list[str]]:
    """Turn TOTP on with a code computed from the secret the page shows: the secret and
    the recovery codes the page lists."""
    page.fill("#totp-start-password", PASSWORD)
    page.click("#totp-start button")
    expect(page.locator("#totp-secret")).not_to_be_empty()
    secret = page.locator("#totp-secret").inner_text()
    expect(page.locator("#totp-qr")).to_have_attribute("src", re.compile("^data:image/svg"))
    page.screenshot(path=artifacts_dir / "account-totp-setup.png", full_page=True)
    page.fill("#totp-confirm-code", code_after(secret, 0))
    page.click("#totp-confirm button")
    expect(page.locator("#recovery-code-list li")).to_have_count(10)
    return secret, page.locator("#recovery-code-list li").all_inner_texts()


def sign_out(page: Page) -> None:
    page.click("#sign-out")
    expect(page.locator("#signed-out")).to_be_visible()


def sign_in_with_password_and_code(page: Page, email: str, code: str) -> None:
    page.fill("#sign-in-email", email)
    page.fill("#sign-in-password", PASSWORD)
    page.click("#sign-in button")
    expect(page.locator("#second-factor")).to_be_visible()
    page.fill("#second-factor-code", code)
    page.click("#second-factor button")
    expect(page.locator("#account-email")).to_have_text(email)
    expect(page.locator("#mfa-on")).to_be_visible()


def add_passkey_on_virtual_authenticator(page: Page) -> None:
    """Chromium's virtual authenticator (resident key, user verification) makes it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    page.fill("#passkey-name", "Chromium")
    page.click("#passkey-add button")
    expect(page.locator("#passkeys li")).to_have_count(1)
    expect(page.locator("#passkeys li")).to_contain_text("Chromium")


def revoke_a_session_of_another_client(
    page: Page, account_url: str, email: str, recovery_code: str, artifacts_dir: Path
) -> None:
    """Another client signs in (password and a recovery code); the page revokes it."""
    with httpx.Client(base_url=account_url) as other:
        first = other.post("/auth/access-token", data={"username": email, "password": PASSWORD})
        assert first.status_code == 403
        form = {"grant_type": "mfa_otp", "mfa_token": first.json()["mfa_token"]}
        tokens = other.post("/auth/access-token", data={**form, "otp": recovery_code})
        assert tokens.status_code == 200, tokens.text
        bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        assert other.get("/users/me", headers=bearer).status_code == 200
        page.reload()
        expect(page.locator("#sessions li")).to_have_count(2)
        page.screenshot(path=artifacts_dir / "account-signed-in.png", full_page=True)
        page.locator("#sessions li", has_text="pwd+otp").locator("button").click()
        expect(page.locator("#sessions li")).to_have_count(1)
        assert other.get("/users/me", headers=bearer).status_code == 401


def test_account_page_second_factor_and_passkey_in_chromium(
    account_page: Page, account_url: str, artifacts_dir: Path
) -> None:
    page = account_page
    started = time.monotonic()
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    page.goto(f"{account_url}/account")
    register(page, email)
    secret, recovery_codes = enable_totp(page, artifacts_dir)
    sign_out(page)
    # A later step's code: each step is accepted once, and confirming took this one.
    sign_in_with_password_and_code(page, email, code_after(secret, 1))
    add_passkey_on_virtual_authenticator(page)
    sign_out(page)
    page.click("#passkey-sign-in")
    expect(page.locator("#account-email")).to_have_text(email)
    expect(page.locator("#sessions li", has_text="This browser")).to_contain_text("hwk+user")
    revoke_a_session_of_another_client(page, account_url, email, recovery_codes[0], artifacts_dir)
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    for name in ("account-totp-setup.png", "account-signed-in.png"):
        (DOCS_IMAGES / name).write_bytes((artifacts_dir / name).read_bytes())
    print(f"account page e2e: {time.monotonic() - started:.1f} s")
