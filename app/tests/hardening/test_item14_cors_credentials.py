"""Review item 14: CORS with credentials only for origins listed by name, never `*`.

API.md v2 (cookie mode): a preflight from a listed origin gets that exact
origin, `Allow-Credentials: true` and allowed headers that include
`authorization`, `content-type` and `x-refresh-token-transport`; any other
origin gets no `Access-Control-Allow-Origin`. Production refuses `*`.
"""

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app
from app.tests.apps import client_of
from app.tests.factories import url
from app.tests.hardening.production_settings import production_settings, security

FRONTEND = "https://app.example.com"
OTHER_SITE = "https://evil.example"
COOKIE_MODE_HEADERS = {"authorization", "content-type", "x-refresh-token-transport"}


def app_with_origins(make_settings: Callable[..., Settings], origins: list[str]) -> FastAPI:
    return create_app(make_settings(backend_cors_origins=origins))


async def preflight(app: FastAPI, origin: str, request_headers: str) -> httpx.Response:
    async with client_of(app) as client:
        return await client.options(
            url(app, "refresh_token"),
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": request_headers,
            },
        )


def allowed_headers(response: httpx.Response) -> set[str]:
    value = response.headers.get("access-control-allow-headers", "")
    return {name.strip().lower() for name in value.split(",") if name.strip()}


async def test_preflight_from_a_listed_origin_allows_the_cookie_mode_headers(
    make_settings: Callable[..., Settings],
) -> None:
    app = app_with_origins(make_settings, [FRONTEND])
    response = await preflight(app, FRONTEND, "content-type, x-refresh-token-transport")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-allow-credentials"] == "true"
    assert allowed_headers(response) >= COOKIE_MODE_HEADERS
    assert "*" not in allowed_headers(response)


async def test_preflight_from_another_origin_gets_no_allow_origin(
    make_settings: Callable[..., Settings],
) -> None:
    app = app_with_origins(make_settings, [FRONTEND])
    response = await preflight(app, OTHER_SITE, "content-type, x-refresh-token-transport")
    assert "access-control-allow-origin" not in response.headers


async def test_preflight_for_an_unlisted_header_is_refused(
    make_settings: Callable[..., Settings],
) -> None:
    app = app_with_origins(make_settings, [FRONTEND])
    response = await preflight(app, FRONTEND, "x-anything-else")
    assert response.status_code == 400


async def test_star_outside_production_never_allows_credentials(
    make_settings: Callable[..., Settings],
) -> None:
    app = app_with_origins(make_settings, ["*"])
    async with client_of(app) as client:
        response = await client.get(
            url(app, "live"), headers={"Origin": OTHER_SITE, "Cookie": "refresh_token=stolen"}
        )
        options = await preflight(app, OTHER_SITE, "content-type")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert options.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in options.headers


@pytest.mark.parametrize("origins", [["*"], [FRONTEND, "*"]])
def test_production_refuses_star_origins(origins: list[str]) -> None:
    with pytest.raises(ValidationError, match="SECURITY__BACKEND_CORS_ORIGINS"):
        production_settings(security=security(backend_cors_origins=origins))


def test_production_accepts_listed_origins() -> None:
    settings = production_settings(security=security(backend_cors_origins=[FRONTEND]))
    assert settings.security.backend_cors_origins == [FRONTEND]
