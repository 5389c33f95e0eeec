"""The signed-in user's second factor: `/users/me/mfa` (TOTP and recovery codes)."""

from fastapi import APIRouter, status

from app.api.common_responses import THROTTLED, UNAUTHORIZED, error
from app.api.deps import ClientDep, CurrentUser, ServicesDep
from app.core import messages, mfa
from app.schemas.requests import CodeRequest, TotpDisableRequest, TotpStartRequest
from app.schemas.responses import RecoveryCodesResponse, TotpEnrolmentResponse

router = APIRouter(prefix="/users/me/mfa", tags=["mfa"])

WRONG_CODE = error(400, messages.WRONG_CODE)
NOT_ENABLED = error(409, messages.MFA_NOT_ENABLED)


@router.post(
    "/totp",
    responses={
        **UNAUTHORIZED,
        **THROTTLED,
        **error(400, messages.WRONG_CURRENT_PASSWORD),
        **error(409, messages.MFA_ALREADY_ENABLED),
    },
)
async def start_totp(
    body: TotpStartRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> TotpEnrolmentResponse:
    """A new TOTP secret, waiting for a code to confirm it (replaces an unconfirmed one)."""
    enrolment = await mfa.start_totp(
        services=services, client=client, session=user, current_password=body.current_password
    )
    return TotpEnrolmentResponse.model_validate(enrolment)


@router.post(
    "/totp/confirm",
    responses={
        **UNAUTHORIZED,
        **THROTTLED,
        **WRONG_CODE,
        **error(409, f"{messages.MFA_NOTHING_TO_CONFIRM}; or {messages.MFA_ALREADY_ENABLED}"),
    },
)
async def confirm_totp(
    body: CodeRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> RecoveryCodesResponse:
    """Turn the second factor on with a code of the new secret; every other session ends.

    The recovery codes are shown this once.
    """
    codes = await mfa.confirm_totp(services=services, client=client, session=user, code=body.code)
    return RecoveryCodesResponse(recovery_codes=codes)


@router.delete(
    "/totp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **UNAUTHORIZED,
        **THROTTLED,
        **error(400, f"{messages.WRONG_CURRENT_PASSWORD}; or {messages.WRONG_CODE}"),
        **NOT_ENABLED,
    },
)
async def disable_totp(
    body: TotpDisableRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> None:
    """Turn the second factor off (a TOTP or recovery code, and the password); sessions stay."""
    await mfa.disable_totp(
        services=services,
        client=client,
        session=user,
        current_password=body.current_password,
        code=body.code,
    )


@router.post(
    "/recovery-codes", responses={**UNAUTHORIZED, **THROTTLED, **WRONG_CODE, **NOT_ENABLED}
)
async def regenerate_recovery_codes(
    body: CodeRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> RecoveryCodesResponse:
    """New recovery codes (given a TOTP or recovery code); the earlier ones stop working."""
    codes = await mfa.regenerate_recovery_codes(
        services=services, client=client, session=user, code=body.code
    )
    return RecoveryCodesResponse(recovery_codes=codes)
