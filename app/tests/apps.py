"""Further applications for tests that need other settings than the shared `app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """An application built from `settings`, its lifespan running."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_of(application: FastAPI, base_url: str = "http://localhost") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url=base_url)
