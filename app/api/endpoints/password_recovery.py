"""Account recovery by email: `/auth/password-recovery` and `/auth/password-reset`."""

from fastapi import APIRouter, Depends, status

from app.api.common_responses import THROTTLED, error
from app.api.deps import ClientDep, ServicesDep
from app.core import messages, password_recovery
from app.core.errors import NotFoundError
from app.schemas.requests import PasswordRecoveryRequest, PasswordResetRequest
from app.schemas.responses import PasswordRecoveryResponse


async def require_recovery_enabled(services: ServicesDep) -> None:
    """404 for both routes when recovery is switched off (RECOVERY__ENABLED=false)."""
    if not services.settings.recovery.enabled:
        raise NotFoundError(messages.RECOVERY_DISABLED)


router = APIRouter(
    prefix="/auth",
    tags=["auth"],
    dependencies=[Depends(require_recovery_enabled)],
    responses=error(404, messages.RECOVERY_DISABLED),
)


@router.post("/password-recovery", status_code=status.HTTP_202_ACCEPTED, responses=THROTTLED)
async def recover_password(
    body: PasswordRecoveryRequest, services: ServicesDep, client: ClientDep
) -> PasswordRecoveryResponse:
    """Email a one-time reset link to the account, if there is an active one.

    The answer is the same, and as fast, for any email: the lookup and the
    sending happen after it has gone out, so it tells nobody which emails
    have accounts.
    """
    await password_recovery.request_password_recovery(
        db=services.database,
        settings=services.settings,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        email=body.email,
    )
    return PasswordRecoveryResponse(detail=messages.PASSWORD_RECOVERY_ACCEPTED)


@router.post(
    "/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**error(400, messages.INVALID_RESET_TOKEN), **THROTTLED},
)
async def reset_password(
    body: PasswordResetRequest, services: ServicesDep, client: ClientDep
) -> None:
    """Set a new password with a recovery token; every session of the user is revoked."""
    await password_recovery.reset_password(
        db=services.database,
        settings=services.settings,
        hashing=services.password_hashing,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        token=body.token,
        new_password=body.new_password,
    )
