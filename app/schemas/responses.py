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


class UserListResponse(BaseResponse):
    items: list[UserResponse]
    # Pass it back as `cursor` for the next page; null on the last page.
    next_cursor: str | None


class PasswordRecoveryResponse(BaseResponse):
    detail: str
