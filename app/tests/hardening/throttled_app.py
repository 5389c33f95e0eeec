"""An application with throttle and hashing settings of a test's own, reached from any address.

Requests come from the trusted proxy 127.0.0.1, so a test picks the client
address of each request with `X-Forwarded-For`.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.config import Settings, Throttle
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import url


@asynccontextmanager
async def throttled_app(
    make_settings: Callable[..., Settings], throttle: dict[str, Any], **security: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = make_settings(trusted_proxies=["127.0.0.1"], **security)
    settings = settings.model_copy(update={"throttle": Throttle(**throttle)})
    async with (
        running_app(settings) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=with_lifespan_state(app), client=("127.0.0.1", 4711)),
            base_url="http://localhost",
        ) as client,
    ):
        yield app, client


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def login(
    client: httpx.AsyncClient, app: FastAPI, email: str, password: str, address: str
) -> httpx.Response:
    return await client.post(
        url(app, "login_access_token"),
        data={"username": email, "password": password},
        headers=from_address(address),
    )
