"""The application: `create_app()` for tests and servers, `app` for `uvicorn app.main:app`."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from app.api.api_router import api_router
from app.api.exception_handlers import add_exception_handlers
from app.api.middleware import (
    BodyLimitMiddleware,
    HostCheckMiddleware,
    RequestContextMiddleware,
    cors_middleware,
)
from app.api.request_log import RequestLogMiddleware
from app.core import metrics
from app.core.background_jobs import BackgroundJobs
from app.core.config import Settings, get_settings
from app.core.database_session import close_database, open_database, resolve_database_url
from app.core.logging_setup import configure_logging
from app.core.migrations import upgrade_database
from app.core.pagination import CursorSigner
from app.core.security.common_passwords import common_passwords
from app.core.security.jwt import create_access_tokens, load_jwt_secret
from app.core.security.password import PasswordHashing

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings)
    url = await resolve_database_url(settings)
    if settings.database.url is None:
        # The embedded database belongs to this checkout alone, so bringing it
        # up to date on start is safe; a configured server is migrated by an
        # explicit `app migrate` (one migration job, many replicas).
        await upgrade_database(url)
    common_passwords()  # load the list now rather than in the first request
    app.state.database = await open_database(url, settings.database)
    app.state.password_hashing = PasswordHashing(settings.security)
    app.state.access_tokens = create_access_tokens(settings)
    app.state.cursor_signer = CursorSigner(secret=load_jwt_secret(settings))
    app.state.background_jobs = BackgroundJobs()
    pool_sampler = asyncio.create_task(metrics.sample_pools_forever(app.state.database))
    # What is loaded by now (modules, routes, schemas) lives as long as the
    # process: take it out of the cyclic garbage collector's sight, so that a
    # full collection scans only what requests allocate. Before this, each
    # full collection paused the event loop for tens of milliseconds, and
    # made the p99 latency of every endpoint.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        pool_sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pool_sampler
        metrics.forget_this_process()
        # Jobs (emails being sent) still use the database: they go first.
        await app.state.background_jobs.close(timeout_secs=settings.smtp.timeout_secs)
        app.state.password_hashing.close()
        await close_database(app.state.database)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    middleware = [
        Middleware(RequestContextMiddleware),
        Middleware(RequestLogMiddleware),
        Middleware(HostCheckMiddleware, allowed_hosts=settings.security.allowed_hosts),
        Middleware(BodyLimitMiddleware, max_bytes=settings.security.max_request_body_bytes),
    ]
    cors = cors_middleware(settings)
    if cors is not None:
        middleware.insert(2, cors)
    app = FastAPI(
        title="FastAPI auth backend",
        version="0.1.0",
        description="JWT access tokens, rotating refresh-token sessions, user management.",
        lifespan=lifespan,
        middleware=middleware,
    )
    app.state.settings = settings
    app.include_router(api_router)
    add_exception_handlers(app)
    return app


app = create_app()
