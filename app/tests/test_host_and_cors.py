"""The Host header check (400 outside the allowed hosts) and CORS."""

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.core.config import Settings
from app.main import create_app
from app.tests.apps import client_of
from app.tests.factories import url

FRONTEND = "https://app.example.com"


async def get_with_host(application: FastAPI, host: str) -> httpx.Response:
    # An unknown path: past the Host check, the router answers 404 without a database.
    async with client_of(application) as client:
        return await client.get("/no-such-path", headers={"Host": host})


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "[::1]:8000", ""])
async def test_host_outside_allowed_hosts_gives_400(app: FastAPI, host: str) -> None:
    response = await get_with_host(app, host)
    assert response.status_code == 400
    assert response.json() == {"detail": messages.INVALID_HOST_HEADER}


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8000", "127.0.0.1", "127.0.0.1:80", "LocalHost", "LOCALHOST:8000"],
)
async def test_allowed_host_with_or_without_port_passes(app: FastAPI, host: str) -> None:
    assert (await get_with_host(app, host)).status_code == 404


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("api.example.com", 404),
        ("API.Example.COM", 404),
        ("a.b.example.com:8443", 404),
        ("example.com", 400),
        ("evilexample.com", 400),
        ("[::1]", 404),
        ("[::1]:8000", 404),
        ("[::2]:8000", 400),
    ],
)
async def test_wildcard_and_ipv6_allowed_hosts(
    make_settings: Callable[..., Settings], host: str, status: int
) -> None:
    application = create_app(make_settings(allowed_hosts=["*.Example.com", "[::1]"]))
    assert (await get_with_host(application, host)).status_code == status


@pytest.mark.parametrize("host", ["anything.example", ""])
async def test_star_allows_every_host(make_settings: Callable[..., Settings], host: str) -> None:
    application = create_app(make_settings(allowed_hosts=["*"]))
    assert (await get_with_host(application, host)).status_code == 404


@pytest.fixture
def cors_app(make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("SECURITY__BACKEND_CORS_ORIGINS", f'["{FRONTEND}"]')
    origins = Settings(_env_file=None).security.backend_cors_origins
    assert origins == [FRONTEND]
    return create_app(make_settings(backend_cors_origins=origins))


async def test_cors_preflight_from_allowed_origin_is_answered(cors_app: FastAPI) -> None:
    async with client_of(cors_app) as client:
        response = await client.options(
            url(cors_app, "register_new_user"),
            headers={
                "Origin": FRONTEND,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_headers_on_requests_from_allowed_origin_only(cors_app: FastAPI) -> None:
    async with client_of(cors_app) as client:
        allowed = await client.get(url(cors_app, "live"), headers={"Origin": FRONTEND})
        other = await client.get(url(cors_app, "live"), headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == FRONTEND
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_when_no_origin_is_configured(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.get(url(app, "live"), headers={"Origin": FRONTEND})
    assert "access-control-allow-origin" not in response.headers
