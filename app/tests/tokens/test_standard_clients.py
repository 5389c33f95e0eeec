"""Authlib's own `introspect_token` and `revoke_token` work unchanged, with the endpoints
found in the RFC 8414 metadata."""

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

from app.tests.api_client import Api
from app.tests.apps import with_lifespan_state
from app.tests.tokens.support import INTROSPECTION_CLIENT, INTROSPECTION_SECRET

# Authlib announces, when its httpx integration is imported, a successor package.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client


@asynccontextmanager
async def oauth_client(api: Api, **settings: Any) -> AsyncIterator[AsyncOAuth2Client]:
    transport = httpx.ASGITransport(app=with_lifespan_state(api.app))
    async with AsyncOAuth2Client(
        transport=transport, base_url="http://localhost", **settings
    ) as client:
        yield client


async def metadata(api: Api) -> dict[str, Any]:
    response = await api.request("GET", "read_server_metadata")
    body: dict[str, Any] = response.json()
    return body


async def test_authlib_introspects_with_client_secret_basic(service: Api) -> None:
    user = await service.new_user()
    endpoint = (await metadata(service))["introspection_endpoint"]
    async with oauth_client(
        service,
        client_id=INTROSPECTION_CLIENT,
        client_secret=INTROSPECTION_SECRET,
        token_endpoint_auth_method="client_secret_basic",
    ) as client:
        live = await client.introspect_token(
            endpoint, token=user.tokens["access_token"], token_type_hint="access_token"
        )
        assert live.json()["active"] is True
        assert (await user.logout()).status_code == 204
        ended = await client.introspect_token(endpoint, token=user.tokens["access_token"])
        assert ended.json() == {"active": False}


async def test_authlib_revokes_without_client_authentication(service: Api) -> None:
    user = await service.new_user()
    other = await user.new_session()
    endpoint = (await metadata(service))["revocation_endpoint"]
    async with oauth_client(
        service, client_id="browser-app", token_endpoint_auth_method="none"
    ) as client:
        refresh = await client.revoke_token(
            endpoint, token=user.tokens["refresh_token"], token_type_hint="refresh_token"
        )
        access = await client.revoke_token(endpoint, token=other.tokens["access_token"])
    assert (refresh.status_code, access.status_code) == (200, 200)
    assert await user.session_revoked()
    assert await other.session_revoked()
