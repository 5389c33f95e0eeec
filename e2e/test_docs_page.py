"""/docs in a real browser: sign in with Swagger UI's "Authorize" dialog, call /users/me."""

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Page, expect

from e2e.openapi_paths import find_operation

PASSWORD = "docs page e2e password"
TIMEOUT_MS = 15_000


def register(base_url: str, openapi: dict[str, Any]) -> str:
    email = f"docs-{uuid.uuid4().hex[:12]}@example.com"
    path = find_operation(openapi, route_name="register_new_user", method="post").path
    response = httpx.post(f"{base_url}{path}", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email


def sign_in_with_authorize_dialog(page: Page, *, email: str) -> None:
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(email)
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    # Swagger UI says "Authorized" and offers "Logout" once the token request
    # has succeeded; a refused login shows the error in the dialog instead.
    expect(dialog.locator(".auth-btn-wrapper button", has_text="Logout")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(dialog.get_by_role("heading", name="Authorized")).to_be_visible()
    dialog.locator(".auth-btn-wrapper button", has_text="Close").click()


def test_docs_page_signs_in_and_reads_current_user(
    page: Page, base_url: str, openapi: dict[str, Any], artifacts_dir: Path
) -> None:
    email = register(base_url, openapi)
    me = find_operation(openapi, route_name="read_current_user", method="get")
    page.goto(f"{base_url}/docs")
    operation = page.locator(f"#operations-{me.tag}-{me.operation_id}")
    expect(operation).to_be_visible(timeout=TIMEOUT_MS)

    sign_in_with_authorize_dialog(page, email=email)
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda response: urlsplit(response.url).path == me.path) as sent:
        operation.get_by_role("button", name="Execute").click()

    assert sent.value.status == 200
    assert sent.value.request.headers["authorization"].startswith("Bearer ")
    live_response = operation.locator(".live-responses-table tbody tr.response")
    expect(live_response.locator(".response-col_status")).to_have_text("200")
    expect(live_response.locator(".response-col_description")).to_contain_text(email)
    page.screenshot(path=artifacts_dir / "docs-users-me.png", full_page=True)
