"""The application: `create_app()` for tests and servers, `app` for `uvicorn app.main:app`."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware

from app.api.api_router import api_router
from app.api.deps import SERVICES_KEY
from app.api.endpoints import account_page, pages
from app.api.exception_handlers import add_exception_handlers
from app.api.middleware import (
    BodyLimitMiddleware,
    HostCheckMiddleware,
    RequestContextMiddleware,
    cors_middleware,
)
from app.api.request_log import RequestLogMiddleware
from app.core import housekeeping, metrics, process_tuning
from app.core.config import Settings, get_settings
from app.core.logging_setup import configure_logging
from app.core.services import start_services, stop_services


def lifespan_of(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        configure_logging(settings)
        process_tuning.reuse_freed_memory()
        services = await start_services(settings)
        tasks = (
            asyncio.create_task(metrics.sample_pool_forever(services.database)),
            asyncio.create_task(
                housekeeping.purge_periodically(db=services.database, settings=settings)
            ),
        )
        process_tuning.freeze_startup_objects()
        try:
            # Lifespan state: the server gives each request its own copy.
            yield {SERVICES_KEY: services}
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            metrics.forget_this_process()
            await stop_services(services)

    return lifespan


def middleware_of(settings: Settings) -> list[Middleware]:
    """Outermost first: request id and headers, request log, CORS, Host check, body limit."""
    security = settings.security
    cors = cors_middleware(settings)
    return [
        Middleware(RequestContextMiddleware),
        Middleware(RequestLogMiddleware),
        *([cors] if cors is not None else []),
        Middleware(
            HostCheckMiddleware,
            allowed_hosts=security.allowed_hosts,
            metrics_need_token=settings.metrics.bearer_token is not None,
        ),
        Middleware(BodyLimitMiddleware, max_bytes=security.max_request_body_bytes),
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="FastAPI auth backend",
        version="0.1.0",
        description="JWT access tokens, rotating refresh-token sessions, user management.",
        lifespan=lifespan_of(settings),
        middleware=middleware_of(settings),
    )
    app.include_router(api_router)
    if settings.pages.enabled:
        app.include_router(pages.router)
        app.include_router(account_page.router)
    add_exception_handlers(app)
    return app


app = create_app()
