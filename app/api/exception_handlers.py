"""Exception handlers: OAuth2 errors, 422s that always render, 503 (never 500) for the database."""

import logging

import asyncpg
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.api import api_messages
from app.api.malformed_bodies import add_malformed_body_handlers
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


# SQLSTATE of a statement cancelled by `statement_timeout`; SQLAlchemy wraps
# asyncpg's QueryCanceledError in a plain DBAPIError that only this tells apart.
QUERY_CANCELED = "57014"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == QUERY_CANCELED:
        return await _database_unavailable(request, exc)
    raise exc  # pragma: no cover - any other DBAPIError is a bug: the usual 500


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(OAuth2RequestError)
    async def oauth2_request_error(_: Request, exc: OAuth2RequestError) -> JSONResponse:
        return oauth2_error_response(exc.error, exc.detail)

    @app.exception_handler(InvalidGrantError)
    async def invalid_grant(_: Request, exc: InvalidGrantError) -> JSONResponse:
        return oauth2_error_response("invalid_grant", exc.detail)

    for error_type in DATABASE_UNAVAILABLE_ERRORS:
        app.add_exception_handler(error_type, _database_unavailable)
    add_malformed_body_handlers(app)
    app.add_exception_handler(DBAPIError, _database_error)
