"""examples/resource_server/: both apps in one test. A token is accepted; after logout the
JWKS check still accepts it until `exp`, introspection refuses it at once; a new key
is fetched on its first unknown kid."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.tests.api_client import Api, ApiFactory
from app.tests.apps import with_lifespan_state
from app.tests.tokens.support import (
    INTROSPECTION,
    INTROSPECTION_CLIENT,
    INTROSPECTION_SECRET,
    private_key,
    signing,
)
from examples.resource_server.app import AuthService, create_app

OLD, NEW = private_key("EdDSA", "old"), private_key("EdDSA", "new")


class CountingTransport(httpx.AsyncBaseTransport):
    """The auth service's ASGI app as a network would reach it, counting JWKS fetches."""

    def __init__(self, auth: Api) -> None:
        self.inner = httpx.ASGITransport(app=with_lifespan_state(auth.app))
        self.jwks_fetches = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.jwks_fetches += request.url.path == "/.well-known/jwks.json"
        return await self.inner.handle_async_request(request)


@asynccontextmanager
async def resource_server(
    transport: CountingTransport, min_refetch_secs: float = 10.0
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as to_auth:
        auth = AuthService(
            to_auth,
            client_id=INTROSPECTION_CLIENT,
            client_secret=INTROSPECTION_SECRET,
            min_refetch_secs=min_refetch_secs,
        )
        app = create_app(auth)
        asgi = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=asgi, base_url="http://resource") as client:
            yield client


def bearer(user: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.tokens['access_token']}"}


async def test_a_token_is_accepted_then_refused_through_introspection_after_logout(
    make_api: ApiFactory,
) -> None:
    async with make_api(introspection=INTROSPECTION, security=signing("EdDSA", OLD)) as auth:
        user = await auth.new_user()
        async with resource_server(CountingTransport(auth)) as resource:
            notes = await resource.get("/notes", headers=bearer(user))
            payments = await resource.get("/payments", headers=bearer(user))
            assert notes.json() == {"owner": user.id}
            assert payments.json() == {"owner": user.id, "email": user.email}
            assert (await user.logout()).status_code == 204
            # The signature alone cannot know: the token runs to its `exp`.
            assert (await resource.get("/notes", headers=bearer(user))).status_code == 200
            # Introspection knows at once.
            assert (await resource.get("/payments", headers=bearer(user))).status_code == 401


async def test_the_jwks_is_cached_and_refetched_for_an_unknown_kid(make_api: ApiFactory) -> None:
    async with make_api(security=signing("EdDSA", OLD, NEW)) as step1:
        transport = CountingTransport(step1)
        async with resource_server(transport) as resource:
            first = await step1.new_user()
            for _ in range(3):
                assert (await resource.get("/notes", headers=bearer(first))).status_code == 200
            assert transport.jwks_fetches == 1
            # A token with a kid nobody published is refused; within the refetch
            # interval it costs no further fetch.
            async with make_api(security=signing("EdDSA", private_key("EdDSA", "x"))) as rogue:
                stranger = await rogue.new_user()
            assert (await resource.get("/notes", headers=bearer(stranger))).status_code == 401
            assert (await resource.get("/notes", headers=bearer(stranger))).status_code == 401
            assert transport.jwks_fetches == 1


async def test_after_a_rotation_the_new_kid_is_fetched(make_api: ApiFactory) -> None:
    async with make_api(security=signing("EdDSA", OLD)) as before:
        transport = CountingTransport(before)
        # A rotation comes long after the first fetch; here at once.
        async with resource_server(transport, min_refetch_secs=0) as resource:
            old_user = await before.new_user()
            assert (await resource.get("/notes", headers=bearer(old_user))).status_code == 200
            # The auth service now signs with NEW (published as its first key).
            async with make_api(security=signing("EdDSA", NEW, OLD)) as after:
                transport.inner = httpx.ASGITransport(app=with_lifespan_state(after.app))
                new_user = await after.new_user()
                response = await resource.get("/notes", headers=bearer(new_user))
            assert response.status_code == 200
            assert transport.jwks_fetches == 2
