"""Exception handlers: the core's errors as HTTP, 422s that always render, 503 for the database."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from app.api.malformed_bodies import add_malformed_body_handlers
from app.core import messages
from app.core.database import UNAVAILABLE_ERRORS, is_unavailable
from app.core.errors import (
    BusyError,
    ConflictError,
    ForbiddenError,
    InvalidClientError,
    InvalidGrantError,
    InvalidInputError,
    MfaRequiredError,
    NotFoundError,
    ServiceError,
    TooManyAttemptsError,
    UnavailableError,
)
from app.schemas.responses import MfaRequiredResponse

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

STATUS_OF: dict[type[ServiceError], int] = {
    InvalidInputError: status.HTTP_400_BAD_REQUEST,
    ForbiddenError: status.HTTP_403_FORBIDDEN,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    TooManyAttemptsError: status.HTTP_429_TOO_MANY_REQUESTS,
    BusyError: status.HTTP_503_SERVICE_UNAVAILABLE,
    UnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
}


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


def mfa_required_response(exc: MfaRequiredError) -> JSONResponse:
    body = MfaRequiredResponse(detail=exc.detail, mfa_token=exc.mfa_token)
    return JSONResponse(
        status_code=status.HTTP_403_FORBIDDEN, content=body.model_dump(), headers=NO_STORE
    )


def database_unavailable_response() -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": messages.DATABASE_UNAVAILABLE},
        headers={"Retry-After": "1"},
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not is_unavailable(exc):
        raise exc  # pragma: no cover - any other database error is a bug: the usual 500
    logger.warning("Database unavailable during %s %s: %r", request.method, request.url.path, exc)
    return database_unavailable_response()


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        if isinstance(exc, InvalidGrantError):
            return oauth2_error_response("invalid_grant", exc.detail)
        if isinstance(exc, MfaRequiredError):
            return mfa_required_response(exc)
        if isinstance(exc, InvalidClientError):
            # RFC 6749 section 5.2: a client that authenticated with Basic gets 401 and
            # a challenge for it.
            return JSONResponse(
                status_code=status.HTTP_401_UNAUTHORIZED,
                content={"detail": exc.detail, "error": "invalid_client"},
                headers={**NO_STORE, "WWW-Authenticate": "Basic"},
            )
        if isinstance(exc, TooManyAttemptsError | BusyError):
            return JSONResponse(
                status_code=STATUS_OF[type(exc)],
                content={"detail": exc.detail},
                headers={"Retry-After": str(exc.retry_after_secs)},
            )
        return JSONResponse(status_code=STATUS_OF[type(exc)], content={"detail": exc.detail})

    @app.exception_handler(OAuth2RequestError)
    async def oauth2_request_error(_: Request, exc: OAuth2RequestError) -> JSONResponse:
        return oauth2_error_response(exc.error, exc.detail)

    for error_type in (*UNAVAILABLE_ERRORS, DBAPIError):
        app.add_exception_handler(error_type, _database_unavailable)
    add_malformed_body_handlers(app)
