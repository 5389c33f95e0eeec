"""Account recovery by email: `/auth/password-recovery` and `/auth/password-reset`."""

from fastapi import APIRouter, HTTPException, status

from app.api import api_messages
from app.api.deps import BackgroundJobsDep, PasswordHashingDep, PoolDep, SettingsDep
from app.core import password_recovery
from app.schemas.requests import PasswordRecoveryRequest, PasswordResetRequest
from app.schemas.responses import ErrorResponse, PasswordRecoveryResponse

router = APIRouter()


@router.post("/password-recovery", status_code=status.HTTP_202_ACCEPTED)
async def recover_password(
    body: PasswordRecoveryRequest, pool: PoolDep, settings: SettingsDep, jobs: BackgroundJobsDep
) -> PasswordRecoveryResponse:
    """Email a one-time reset link to the account, if there is an active one.

    The answer is the same, and as fast, for any email: the lookup and the
    sending happen after it has gone out, so it tells nobody which emails
    have accounts.
    """
    jobs.spawn(
        password_recovery.request_password_recovery(pool=pool, settings=settings, email=body.email),
        name="password recovery email",
    )
    return PasswordRecoveryResponse(detail=api_messages.PASSWORD_RECOVERY_ACCEPTED)


@router.post(
    "/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={400: {"model": ErrorResponse, "description": api_messages.INVALID_RESET_TOKEN}},
)
async def reset_password(
    body: PasswordResetRequest, pool: PoolDep, hashing: PasswordHashingDep
) -> None:
    """Set a new password with a recovery token; every session of the user is revoked."""
    user_id = await password_recovery.reset_password(
        pool=pool, token=body.token, password_hash=await hashing.hash(body.new_password)
    )
    if user_id is None:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST, detail=api_messages.INVALID_RESET_TOKEN
        )
