"""An accepted access token is refused once its `exp` has passed: checked on every request."""

import asyncio
import time

from app.tests.api_client import ApiFactory


async def test_accepted_access_token_is_refused_once_expired(make_api: ApiFactory) -> None:
    async with make_api(security={"access_token_expire_secs": 1}) as api:
        user = await api.new_user()
        assert (await user.me()).status_code == 200
        # The token's `exp` is a whole second; wait until it has passed.
        await asyncio.sleep(user.tokens["expires_at"] - time.time() + 0.05)
        response = await user.me()
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]
