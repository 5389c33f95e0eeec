"""The Host header check (400 outside the allowed hosts) and CORS."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.tests.api_client import Api, ApiFactory, messages

FRONTEND = "https://app.example.com"
# An unknown path: past the Host check, the router answers 404 without a database.
UNKNOWN_PATH = "/no-such-path"
BODIES: dict[int, dict[str, Any]] = {
    400: {"detail": messages.INVALID_HOST_HEADER},
    404: {"detail": "Not Found"},
}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 400),
        ("localhost.evil.example", 400),
        ("[::1]:8000", 400),
        ("", 400),
        ("localhost", 404),
        ("localhost:8000", 404),
        ("127.0.0.1", 404),
        ("127.0.0.1:80", 404),
        ("LocalHost", 404),
        ("LOCALHOST:8000", 404),
    ],
)
async def test_default_allowed_hosts_with_or_without_port(api: Api, host: str, status: int) -> None:
    response = await api.request("GET", UNKNOWN_PATH, headers={"Host": host})
    assert (response.status_code, response.json()) == (status, BODIES[status])


@pytest.mark.parametrize(
    ("allowed_hosts", "host", "status"),
    [
        (["*.Example.com", "[::1]"], "api.example.com", 404),
        (["*.Example.com", "[::1]"], "API.Example.COM", 404),
        (["*.Example.com", "[::1]"], "a.b.example.com:8443", 404),
        (["*.Example.com", "[::1]"], "example.com", 400),
        (["*.Example.com", "[::1]"], "evilexample.com", 400),
        (["*.Example.com", "[::1]"], "[::1]", 404),
        (["*.Example.com", "[::1]"], "[::1]:8000", 404),
        (["*.Example.com", "[::1]"], "[::2]:8000", 400),
        (["*"], "anything.example", 404),
        (["*"], "", 404),
    ],
)
async def test_wildcard_star_and_ipv6_allowed_hosts(
    make_api: ApiFactory, allowed_hosts: list[str], host: str, status: int
) -> None:
    async with make_api(security={"allowed_hosts": allowed_hosts}) as api:
        response = await api.request("GET", UNKNOWN_PATH, headers={"Host": host})
    assert (response.status_code, response.json()) == (status, BODIES[status])


@pytest.fixture
async def cors(make_api: ApiFactory, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """A client of an app whose CORS origins come from the environment, as in production."""
    monkeypatch.setenv("SECURITY__BACKEND_CORS_ORIGINS", f'["{FRONTEND}"]')
    async with make_api() as api:
        yield api


async def test_cors_preflight_from_allowed_origin_is_answered(cors: Api) -> None:
    response = await cors.request(
        "OPTIONS",
        "register_new_user",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_headers_on_requests_from_allowed_origin_only(cors: Api) -> None:
    allowed = await cors.request("GET", "live", headers={"Origin": FRONTEND})
    other = await cors.request("GET", "live", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == FRONTEND
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_when_no_origin_is_configured(api: Api) -> None:
    response = await api.request("GET", "live", headers={"Origin": FRONTEND})
    assert "access-control-allow-origin" not in response.headers
