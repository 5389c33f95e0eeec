"""Request bodies."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StrictBool, field_validator

from app.core import messages
from app.core.security.common_passwords import is_common_password
from app.models import MAX_EMAIL_LENGTH

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


def _refuse_common(password: str) -> str:
    if is_common_password(password):
        raise ValueError(messages.PASSWORD_TOO_COMMON)
    return password


Email = Annotated[EmailStr, Field(max_length=MAX_EMAIL_LENGTH)]

# NIST SP 800-63B: length counts Unicode characters, any character is allowed,
# nothing is truncated, no composition rules, common passwords are refused.
NewPassword = Annotated[
    str,
    Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
    AfterValidator(_refuse_common),
]


class BaseRequest(BaseModel):
    @field_validator("*")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        # No email, password or token contains NUL, PostgreSQL text cannot
        # hold it, and API.md asks for a 4xx: refused in every string field.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(messages.NUL_CHARACTER)
        return value


class UserCreateRequest(BaseRequest):
    email: Email
    password: NewPassword


class RefreshTokenRequest(BaseRequest):
    refresh_token: Annotated[str, Field(max_length=1024)]


class RefreshTokenOrCookieRequest(BaseRequest):
    """A refresh token in the body; absent or null: the cookie's, in cookie mode."""

    refresh_token: Annotated[str | None, Field(max_length=1024)] = None


class UserUpdatePasswordRequest(BaseRequest):
    current_password: Annotated[str, Field(max_length=4096)]
    new_password: NewPassword


class UserUpdateRequest(BaseRequest):
    """Administrative change of an account; an absent or null flag stays as it is."""

    # Strict: "false" or 0 as a flag is a client bug, not a request to deactivate.
    is_active: StrictBool | None = None
    is_superuser: StrictBool | None = None


class PasswordRecoveryRequest(BaseRequest):
    email: Email


class PasswordResetRequest(BaseRequest):
    token: Annotated[str, Field(max_length=1024)]
    new_password: NewPassword


# Longer than any code of either kind; refused before any work.
Code = Annotated[str, Field(min_length=1, max_length=64)]
CurrentPassword = Annotated[str, Field(max_length=4096)]


class TotpStartRequest(BaseRequest):
    current_password: CurrentPassword


class CodeRequest(BaseRequest):
    """A TOTP code; or, where a second factor is already on, a recovery code."""

    code: Code


class TotpDisableRequest(BaseRequest):
    current_password: CurrentPassword
    code: Code


class PasskeyCreateRequest(BaseRequest):
    # The `RegistrationResponseJSON` of `navigator.credentials.create()`.
    credential: dict[str, Any]
    name: Annotated[str, Field(min_length=1, max_length=64)] = "Passkey"


class EmailTokenRequest(BaseRequest):
    """The token of an email verification or email change link."""

    token: Annotated[str, Field(max_length=1024)]


class EmailChangeRequest(BaseRequest):
    new_email: Email
    current_password: Annotated[str, Field(max_length=4096)]
