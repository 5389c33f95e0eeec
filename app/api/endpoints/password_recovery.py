"""Account recovery by email: `/auth/password-recovery` and `/auth/password-reset`."""

from fastapi import APIRouter, Depends, HTTPException, status

from app.api import api_messages
from app.api.deps import BackgroundJobsDep, PasswordHashingDep, PoolDep, SettingsDep
from app.api.throttling import THROTTLED_RESPONSE, ThrottleDep
from app.core import password_recovery, security_events
from app.schemas.requests import PasswordRecoveryRequest, PasswordResetRequest
from app.schemas.responses import ErrorResponse, PasswordRecoveryResponse


async def require_recovery_enabled(settings: SettingsDep) -> None:
    """404 for both routes when recovery is switched off (RECOVERY__ENABLED=false)."""
    if not settings.recovery.enabled:
        raise HTTPException(
            status_code=status.HTTP_404_NOT_FOUND, detail=api_messages.RECOVERY_DISABLED
        )


router = APIRouter(
    dependencies=[Depends(require_recovery_enabled)],
    responses={404: {"model": ErrorResponse, "description": api_messages.RECOVERY_DISABLED}},
)


@router.post(
    "/password-recovery", status_code=status.HTTP_202_ACCEPTED, responses=THROTTLED_RESPONSE
)
async def recover_password(
    body: PasswordRecoveryRequest,
    pool: PoolDep,
    settings: SettingsDep,
    jobs: BackgroundJobsDep,
    throttle: ThrottleDep,
) -> PasswordRecoveryResponse:
    """Email a one-time reset link to the account, if there is an active one.

    The answer is the same, and as fast, for any email: the lookup and the
    sending happen after it has gone out, so it tells nobody which emails
    have accounts. Requests are throttled per client address and per target
    email alike, known or not, so the 429 tells nothing either.
    """
    await throttle.attempt("recovery", account=body.email)
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
    security_events.password_changed(user_id=user_id)
    security_events.sessions_revoked(user_id=user_id, reason="password_reset")
