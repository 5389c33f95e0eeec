"""Applications with their lifespan running, and clients that reach them as a server would."""

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from app.api.deps import SERVICES_KEY
from app.core.config import Settings
from app.core.services import Services
from app.main import create_app

# The lifespan state of each running application, as a server keeps it.
_STATES: "weakref.WeakKeyDictionary[FastAPI, dict[str, Any]]" = weakref.WeakKeyDictionary()


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """An application built from `settings`, its lifespan running."""
    application = create_app(settings)
    async with application.router.lifespan_context(application) as state:
        _STATES[application] = dict(state or {})
        yield application


def services_of_app(application: FastAPI) -> Services:
    """The services a running application's lifespan built."""
    services: Services = _STATES[application][SERVICES_KEY]
    return services


def with_lifespan_state(application: FastAPI) -> Any:
    """The ASGI app as a server runs it: each request gets a copy of the lifespan state.

    An application whose lifespan does not run (a test of the middleware
    alone) gets no state.
    """

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        state = _STATES.get(application)
        if state is not None and scope["type"] in ("http", "websocket"):
            scope = {**scope, "state": dict(state)}
        await application(scope, receive, send)

    return asgi


def client_of(application: FastAPI, base_url: str = "http://localhost") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=with_lifespan_state(application)), base_url=base_url
    )
