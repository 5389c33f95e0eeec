"""Exception handlers: OAuth2 errors, 422s that always render, 503 (never 500) for the database."""

import json
import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.api import api_messages
from app.core.token_grants import InvalidGrantError

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# What a lost, refused or overloaded database raises, through asyncpg directly
# or through SQLAlchemy. OSError covers refused and reset sockets.
DATABASE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    PoolTimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.QueryCanceledError,
    # SQLAlchemy's wrappers of the connection errors above.
    OperationalError,
    InterfaceError,
)


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so any Python string can be sent.

    FastAPI's 422 body echoes the input, and a lone surrogate (`"\\ud800"` is
    valid JSON) cannot be encoded as UTF-8: the default response would fail
    with a 500 while rendering the error.
    """

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


class OAuth2RequestError(Exception):
    """A malformed token request: RFC 6749 `invalid_request` or `unsupported_grant_type`."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


def oauth2_error_response(error: str, detail: str) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_400_BAD_REQUEST,
        content={"detail": detail, "error": error},
        headers=NO_STORE,
    )


def database_unavailable_response() -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": api_messages.DATABASE_UNAVAILABLE},
        headers={"Retry-After": "1"},
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("Database unavailable during %s %s: %r", request.method, request.url.path, exc)
    return database_unavailable_response()


def _renderable(error: dict[str, Any]) -> dict[str, Any]:
    """A 422 error entry, its echoed input dropped if JSON cannot carry it.

    Python's JSON parser accepts `NaN` and `Infinity`, which JSON output
    refuses: echoing them back would fail with a 500.
    """
    try:
        json.dumps(error, allow_nan=False)
    except ValueError:
        return {**error, "input": None}
    return error


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def request_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's standard 422 body, rendered so that it never fails (AsciiJSONResponse)."""
        return AsciiJSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": [_renderable(error) for error in jsonable_encoder(exc.errors())]},
        )

    @app.exception_handler(OAuth2RequestError)
    async def oauth2_request_error(_: Request, exc: OAuth2RequestError) -> JSONResponse:
        return oauth2_error_response(exc.error, exc.detail)

    @app.exception_handler(InvalidGrantError)
    async def invalid_grant(_: Request, exc: InvalidGrantError) -> JSONResponse:
        return oauth2_error_response("invalid_grant", exc.detail)

    for error_type in DATABASE_UNAVAILABLE_ERRORS:
        app.add_exception_handler(error_type, _database_unavailable)
