"""An application with throttle and hashing settings of a test's own, reached from any address.

Requests come from the trusted proxy 127.0.0.1, so a test picks the client
address of each request with `X-Forwarded-For`.
"""

from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from app.tests.api_client import Api, ApiFactory


def throttled_api(
    make_api: ApiFactory, throttle: dict[str, Any], **security: Any
) -> AbstractAsyncContextManager[Api]:
    """`async with throttled_api(make_api, {...}) as api`: a client of such an application."""
    return make_api(
        peer=("127.0.0.1", 4711),
        security={"trusted_proxies": ["127.0.0.1"], **security},
        throttle=throttle,
    )


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def login(api: Api, email: str, password: str, address: str) -> httpx.Response:
    """The password grant, sent for a client at `address`."""
    form = {"username": email, "password": password}
    return await api.request("POST", "login_access_token", data=form, headers=from_address(address))
