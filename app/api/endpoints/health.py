"""Liveness and readiness probes, cheap enough to be called every second."""

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import ServicesDep
from app.core.database import UNAVAILABLE_ERRORS

router = APIRouter(prefix="/health", tags=["health"])

READY_TIMEOUT_SECS = 2.0


@router.get("/live")
async def live() -> dict[str, str]:
    """200 while the process serves requests."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "The database does not answer"}})
async def ready(services: ServicesDep) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECS):
            await services.database.fetchval("SELECT 1")
    except UNAVAILABLE_ERRORS:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
