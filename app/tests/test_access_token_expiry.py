"""An accepted access token is refused once its `exp` has passed: checked on every request."""

import asyncio
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from app.core.config import Settings
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import bearer, register_and_login, url


async def test_accepted_access_token_is_refused_once_expired(
    make_settings: Callable[..., Settings], db: asyncpg.Connection
) -> None:
    async with (
        running_app(make_settings(access_token_expire_secs=1)) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=with_lifespan_state(app)), base_url="http://localhost"
        ) as client,
    ):
        _, tokens = await register_and_login(client, app)
        me = url(app, "read_current_user")
        assert (await client.get(me, headers=bearer(tokens))).status_code == 200
        # The token's `exp` is a whole second; wait until it has passed.
        await asyncio.sleep(tokens["expires_at"] - time.time() + 0.05)
        response = await client.get(me, headers=bearer(tokens))
    assert response.status_code == 401
    body: dict[str, Any] = response.json()
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["detail"]
