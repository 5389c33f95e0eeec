"""Response bodies."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class BaseResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserResponse(BaseResponse):
    user_id: uuid.UUID
    email: str
    is_active: bool
    is_superuser: bool
    created_at: datetime
    email_verified: bool
    mfa_enabled: bool


class TokenResponse(BaseResponse):
    token_type: Literal["bearer"] = "bearer"
    access_token: str
    # Unix seconds; equals the access token's `exp`.
    expires_at: int
    # Null in cookie mode: the refresh token is in the `refresh_token` cookie.
    refresh_token: str | None
    refresh_token_expires_at: int


class ErrorResponse(BaseModel):
    detail: str


class OAuth2ErrorResponse(BaseModel):
    """RFC 6749 section 5.2 error, with FastAPI's `detail` beside the standard `error`."""

    detail: str
    error: Literal["invalid_request", "invalid_grant", "unsupported_grant_type"]


class InvalidClientResponse(BaseModel):
    """RFC 6749 section 5.2 `invalid_client`: the client's own credentials failed."""

    detail: str
    error: Literal["invalid_client"]


class UserListResponse(BaseResponse):
    items: list[UserResponse]
    # Pass it back as `cursor` for the next page; null on the last page.
    next_cursor: str | None


class PasswordRecoveryResponse(BaseResponse):
    detail: str


class MfaRequiredResponse(BaseModel):
    """A right password for an account with a second factor: send it with `mfa_token`."""

    error: Literal["mfa_required"] = "mfa_required"
    detail: str
    mfa_token: str
    mfa_methods: list[str] = ["totp", "recovery_code"]


class TotpEnrolmentResponse(BaseResponse):
    secret: str
    otpauth_uri: str
    qr_code_svg: str


class RecoveryCodesResponse(BaseResponse):
    recovery_codes: list[str]


class PasskeyResponse(BaseResponse):
    passkey_id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None


class AcceptedResponse(BaseResponse):
    """A 202: the request is taken; what follows happens by email."""

    detail: str


class SessionResponse(BaseResponse):
    session_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip_address: str | None
    # The session of the access token that asks.
    current: bool
    amr: list[str]


class SecurityEventResponse(BaseResponse):
    event_id: uuid.UUID
    type: str
    at: datetime
    ip_address: str | None
    user_agent: str | None
    session_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None


class SecurityEventListResponse(BaseResponse):
    items: list[SecurityEventResponse]
    # Pass it back as `cursor` for the next page; null on the last page.
    next_cursor: str | None


class JwksResponse(BaseModel):
    """RFC 7517 JWK Set: public keys only (`kty`, `crv`/`x`/`y` or `n`/`e`, `kid`, `alg`, `use`)."""

    keys: list[dict[str, str]]


class ServerMetadataResponse(BaseModel):
    """RFC 8414 authorization server metadata."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    revocation_endpoint: str
    grant_types_supported: list[str]
    response_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]


class IntrospectionResponse(BaseModel):
    """RFC 7662: `{"active": false}` alone, or every field for an active token."""

    active: bool
    token_type: Literal["access_token", "refresh_token"] | None = None
    sub: str | None = None
    sid: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    aud: str | list[str] | None = None
    amr: list[str] | None = None
    email: str | None = None
