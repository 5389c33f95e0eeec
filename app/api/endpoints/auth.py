"""Accounts and sessions: register, OAuth2 token endpoint, refresh, logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.api.common_responses import (
    MFA_REQUIRED,
    OAUTH2_ERRORS,
    THROTTLED,
    UNAUTHORIZED,
    error,
    form_body,
)
from app.api.deps import ClientDep, CurrentUser, ServicesDep, client_of, services_of
from app.api.exception_handlers import OAuth2RequestError
from app.api.refresh_cookie import (
    clear_refresh_cookie,
    cookie_mode,
    missing_refresh_token,
    token_or_cookie,
    token_response,
)
from app.core import accounts, messages, mfa_grant, passkey_grant, token_grants
from app.schemas.requests import RefreshTokenOrCookieRequest, UserCreateRequest
from app.schemas.responses import TokenResponse, UserResponse

router = APIRouter(prefix="/auth", tags=["auth"])

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# The token endpoint parses its form itself, so that every malformed request
# gets RFC 6749's 400 `invalid_request` rather than FastAPI's 422; this tells
# OpenAPI (and the Swagger "Try it out" form) what it accepts.
TOKEN_FORM_OPENAPI = form_body(
    {
        "grant_type": {
            "type": "string",
            "enum": ["password", "refresh_token", "mfa_otp", "passkey"],
        },
        "username": {"type": "string", "description": "The email"},
        "password": {"type": "string", "format": "password"},
        "refresh_token": {"type": "string"},
        "mfa_token": {"type": "string", "description": "From the 403"},
        "otp": {"type": "string", "description": "A TOTP or recovery code"},
        "credential": {
            "type": "string",
            "description": "The passkey's AuthenticationResponseJSON",
        },
        "scope": {"type": "string"},
    }
)


async def read_token_form(request: Request) -> dict[str, str]:
    """The token request's fields; any malformed form is `invalid_request`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_CONTENT_TYPES:
        raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST)
    try:
        form = await request.form(max_files=0, max_fields=20)
    # Starlette raises its own HTTPException for a malformed form (too many
    # files or fields, no boundary); FastAPI's is a subclass, so catching
    # FastAPI's alone let those through as plain 400s without `error`.
    except StarletteHTTPException as error:
        if error.status_code == status.HTTP_413_CONTENT_TOO_LARGE:
            raise
        raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST) from error
    except ClientDisconnect as error:
        # The client left before its form arrived: as FastAPI does for JSON
        # bodies, a 400 (that nobody reads) rather than an unhandled error.
        raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST) from error
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile) or key in fields:
            raise OAuth2RequestError("invalid_request", messages.MALFORMED_TOKEN_REQUEST)
        fields[key] = value
    return fields


TokenForm = Annotated[dict[str, str], Depends(read_token_form)]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={**error(409, messages.EMAIL_ALREADY_REGISTERED), **THROTTLED},
)
async def register_new_user(
    body: UserCreateRequest, services: ServicesDep, client: ClientDep
) -> UserResponse:
    user = await accounts.register(
        db=services.database,
        settings=services.settings,
        hashing=services.password_hashing,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        email=body.email,
        password=body.password,
    )
    return UserResponse.model_validate(user)


@router.post(
    "/access-token",
    openapi_extra=TOKEN_FORM_OPENAPI,
    responses={**OAUTH2_ERRORS, **MFA_REQUIRED, **THROTTLED},
)
async def login_access_token(
    form: TokenForm,
    request: Request,
    response: Response,
    services: ServicesDep,
    client: ClientDep,
) -> TokenResponse:
    """OAuth2 token endpoint (RFC 6749): `password` opens a session (or answers 403
    `mfa_required` for an account with a second factor, then `mfa_otp` does), `passkey`
    opens one with a passkey, `refresh_token` rotates."""
    grant_type = form.get("grant_type", "password")
    if grant_type == "password":
        username, password = form.get("username"), form.get("password")
        if not username or not password:
            raise OAuth2RequestError("invalid_request", messages.PASSWORD_GRANT_FIELDS_REQUIRED)
        tokens = await token_grants.password_grant(
            services=services, client=client, email=username, password=password
        )
    elif grant_type == "refresh_token":
        refresh_token = token_or_cookie(request, form.get("refresh_token") or None)
        if not refresh_token:
            raise OAuth2RequestError("invalid_request", messages.REFRESH_GRANT_FIELD_REQUIRED)
        tokens = await token_grants.refresh_grant(
            services=services, client=client, refresh_token=refresh_token
        )
    elif grant_type == "mfa_otp":
        mfa_token, otp = form.get("mfa_token"), form.get("otp")
        if not mfa_token or not otp:
            raise OAuth2RequestError("invalid_request", messages.MFA_GRANT_FIELDS_REQUIRED)
        tokens = await mfa_grant.mfa_otp_grant(
            services=services, client=client, mfa_token=mfa_token, otp=otp
        )
    elif grant_type == "passkey":
        credential = form.get("credential")
        if not credential:
            raise OAuth2RequestError("invalid_request", messages.PASSKEY_GRANT_FIELD_REQUIRED)
        tokens = await passkey_grant.passkey_grant(
            services=services, client=client, credential_json=credential
        )
    else:
        raise OAuth2RequestError("unsupported_grant_type", messages.UNSUPPORTED_GRANT_TYPE)
    return token_response(request, response, tokens)


@router.post("/refresh-token", responses=OAUTH2_ERRORS)
async def refresh_token(
    request: Request, response: Response, body: RefreshTokenOrCookieRequest | None = None
) -> TokenResponse:
    """Spend a refresh token (the body's, else in cookie mode the cookie's) for new tokens."""
    services = services_of(request)  # a hot path: see services_of
    token = token_or_cookie(request, body.refresh_token if body else None)
    if token is None:
        if not cookie_mode(request):
            raise missing_refresh_token()
        raise OAuth2RequestError("invalid_request", messages.REFRESH_TOKEN_REQUIRED)
    tokens = await token_grants.refresh_grant(
        services=services, client=client_of(request), refresh_token=token
    )
    return token_response(request, response, tokens)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    response: Response,
    services: ServicesDep,
    client: ClientDep,
    body: RefreshTokenOrCookieRequest | None = None,
) -> None:
    """Revoke the session of this refresh token; unknown tokens are no error.

    In cookie mode the token may come from the cookie, which is cleared.
    """
    token = token_or_cookie(request, body.refresh_token if body else None)
    if token is None and not cookie_mode(request):
        raise missing_refresh_token()
    if token is not None:
        await token_grants.logout(services=services, client=client, refresh_token=token)
    if cookie_mode(request):
        clear_refresh_cookie(response)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHORIZED)
async def logout_all(user: CurrentUser, services: ServicesDep, client: ClientDep) -> None:
    """Revoke every session of the signed-in user, this one included."""
    await token_grants.logout_all(services=services, client=client, session=user)
