"""Accounts and sessions: register, OAuth2 token endpoint, refresh, logout."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.api import api_messages
from app.api.deps import (
    AccessTokensDep,
    CurrentUser,
    PasswordHashingDep,
    PoolDep,
    SessionDep,
    SettingsDep,
    services_of,
)
from app.api.exception_handlers import NO_STORE, OAuth2RequestError
from app.api.throttling import THROTTLED_RESPONSE, ThrottleDep
from app.core import accounts, security_events, sessions, token_grants
from app.core.security.refresh_token import hash_refresh_token
from app.models import User
from app.schemas.requests import RefreshTokenRequest, UserCreateRequest
from app.schemas.responses import ErrorResponse, OAuth2ErrorResponse, TokenResponse, UserResponse

router = APIRouter()

# Either shape: the Host check's 400, listed for every route, has no OAuth2 `error`.
OAUTH2_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": OAuth2ErrorResponse | ErrorResponse,
        "description": "An RFC 6749 section 5.2 error (`error` says which), or an invalid Host",
    }
}
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# The token endpoint parses its form itself, so that every malformed request
# gets RFC 6749's 400 `invalid_request` rather than FastAPI's 422; this tells
# OpenAPI (and the Swagger "Try it out" form) what it accepts.
TOKEN_FORM_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
                        "username": {"type": "string", "description": "The email"},
                        "password": {"type": "string", "format": "password"},
                        "refresh_token": {"type": "string"},
                        "scope": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _token_response(response: Response, tokens: token_grants.IssuedTokens) -> TokenResponse:
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=tokens.access_token,
        expires_at=tokens.expires_at,
        refresh_token=tokens.refresh_token,
        refresh_token_expires_at=tokens.refresh_token_expires_at,
    )


async def read_token_form(request: Request) -> dict[str, str]:
    """The token request's fields; any malformed form is `invalid_request`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_CONTENT_TYPES:
        raise OAuth2RequestError("invalid_request", api_messages.MALFORMED_TOKEN_REQUEST)
    try:
        form = await request.form(max_files=0, max_fields=20)
    # Starlette raises its own HTTPException for a malformed form (too many
    # files or fields, no boundary); FastAPI's is a subclass, so catching
    # FastAPI's alone let those through as plain 400s without `error`.
    except StarletteHTTPException as error:
        if error.status_code == status.HTTP_413_CONTENT_TOO_LARGE:
            raise
        raise OAuth2RequestError("invalid_request", api_messages.MALFORMED_TOKEN_REQUEST) from error
    except ClientDisconnect as error:
        # The client left before its form arrived: as FastAPI does for JSON
        # bodies, a 400 (that nobody reads) rather than an unhandled error.
        raise OAuth2RequestError("invalid_request", api_messages.MALFORMED_TOKEN_REQUEST) from error
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile) or key in fields:
            raise OAuth2RequestError("invalid_request", api_messages.MALFORMED_TOKEN_REQUEST)
        fields[key] = value
    return fields


TokenForm = Annotated[dict[str, str], Depends(read_token_form)]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"model": ErrorResponse, "description": api_messages.EMAIL_ALREADY_REGISTERED},
        **THROTTLED_RESPONSE,
    },
)
async def register_new_user(
    body: UserCreateRequest,
    session: SessionDep,
    hashing: PasswordHashingDep,
    throttle: ThrottleDep,
) -> UserResponse:
    await throttle.attempt("register", account=body.email)
    password_hash = await hashing.hash(body.password)
    try:
        user: User = await accounts.create_user(
            session=session, email=body.email, password_hash=password_hash
        )
    except accounts.EmailAlreadyRegisteredError as error:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail=api_messages.EMAIL_ALREADY_REGISTERED
        ) from error
    return UserResponse.model_validate(user)


@router.post(
    "/access-token",
    openapi_extra=TOKEN_FORM_OPENAPI,
    responses={**OAUTH2_ERRORS, **THROTTLED_RESPONSE},
)
async def login_access_token(
    form: TokenForm,
    response: Response,
    pool: PoolDep,
    hashing: PasswordHashingDep,
    access_tokens: AccessTokensDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> TokenResponse:
    """OAuth2 token endpoint (RFC 6749): `password` opens a session, `refresh_token` rotates."""
    grant_type = form.get("grant_type", "password")
    if grant_type == "password":
        username, password = form.get("username"), form.get("password")
        if not username or not password:
            raise OAuth2RequestError("invalid_request", api_messages.PASSWORD_GRANT_FIELDS_REQUIRED)
        # Before the costly hash: a throttled guess gets no answer and costs no CPU.
        failures = await throttle.attempt("login", account=username, count_account=False)
        try:
            tokens = await token_grants.password_grant(
                pool=pool,
                hashing=hashing,
                access_tokens=access_tokens,
                settings=settings.security,
                email=username,
                password=password,
            )
        except token_grants.InvalidGrantError:
            await throttle.failed("login", account=username)
            raise
        if failures:
            await throttle.succeeded("login", account=username)
    elif grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuth2RequestError("invalid_request", api_messages.REFRESH_GRANT_FIELD_REQUIRED)
        tokens = await token_grants.refresh_grant(
            pool=pool,
            access_tokens=access_tokens,
            settings=settings.security,
            refresh_token=refresh_token,
        )
    else:
        raise OAuth2RequestError("unsupported_grant_type", api_messages.UNSUPPORTED_GRANT_TYPE)
    return _token_response(response, tokens)


@router.post("/refresh-token", responses=OAUTH2_ERRORS)
async def refresh_token(
    body: RefreshTokenRequest, request: Request, response: Response
) -> TokenResponse:
    """Spend a refresh token for new tokens in the same session."""
    services = services_of(request)  # a hot path: see services_of
    tokens = await token_grants.refresh_grant(
        pool=services.pool,
        access_tokens=services.access_tokens,
        settings=services.settings.security,
        refresh_token=body.refresh_token,
    )
    return _token_response(response, tokens)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshTokenRequest, pool: PoolDep) -> None:
    """Revoke the session of this refresh token; unknown tokens are no error."""
    await sessions.revoke_session_by_refresh_token(
        pool=pool, token_hash=hash_refresh_token(body.refresh_token)
    )


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: {"model": ErrorResponse}},
)
async def logout_all(user: CurrentUser, pool: PoolDep) -> None:
    """Revoke every session of the signed-in user, this one included."""
    await sessions.revoke_all_sessions(db=pool, user_id=user.user_id)
    security_events.sessions_revoked(user_id=user.user_id, reason="logout_all")
