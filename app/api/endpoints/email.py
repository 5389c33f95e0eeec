"""Email verification and email change: `/auth/verify-email...`, `/auth/confirm-email`,
`/users/me/email`."""

from fastapi import APIRouter, status

from app.api.common_responses import THROTTLED, UNAUTHORIZED, error
from app.api.deps import ClientDep, CurrentUser, ServicesDep
from app.core import email_change, email_verification, messages
from app.schemas.requests import EmailChangeRequest, EmailTokenRequest
from app.schemas.responses import AcceptedResponse, UserResponse

auth_router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"])


@auth_router.post("/verify-email", responses=error(400, messages.INVALID_VERIFICATION_TOKEN))
async def verify_email(
    body: EmailTokenRequest, services: ServicesDep, client: ClientDep
) -> UserResponse:
    """Spend the token of a verification link: the address is verified."""
    account = await email_verification.verify_email(
        db=services.database, client=client, token=body.token
    )
    return UserResponse.model_validate(account)


@auth_router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**UNAUTHORIZED, **THROTTLED},
)
async def resend_verification_email(
    user: CurrentUser, services: ServicesDep, client: ClientDep
) -> AcceptedResponse:
    """Mail a new verification link (replacing the older one), unless already verified."""
    await email_verification.resend_verification(
        db=services.database,
        settings=services.settings,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        session=user,
    )
    return AcceptedResponse(detail=messages.VERIFICATION_ACCEPTED)


@auth_router.post(
    "/confirm-email",
    responses={
        **error(400, messages.INVALID_EMAIL_CHANGE_TOKEN),
        **error(409, messages.EMAIL_ALREADY_REGISTERED),
    },
)
async def confirm_email(
    body: EmailTokenRequest, services: ServicesDep, client: ClientDep
) -> UserResponse:
    """Spend the token of an email change link: the account moves to the new address."""
    account = await email_change.confirm_email_change(
        db=services.database,
        settings=services.settings,
        jobs=services.background_jobs,
        client=client,
        token=body.token,
    )
    return UserResponse.model_validate(account)


@users_router.post(
    "/me/email",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **UNAUTHORIZED,
        **error(400, messages.WRONG_CURRENT_PASSWORD),
        **error(409, f"{messages.EMAIL_ALREADY_REGISTERED}; or {messages.EMAIL_UNCHANGED}"),
        **THROTTLED,
    },
)
async def change_email(
    body: EmailChangeRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> AcceptedResponse:
    """Ask to move the account to `new_email`: it gets a link, the current address a notice."""
    await email_change.request_email_change(
        db=services.database,
        settings=services.settings,
        hashing=services.password_hashing,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        session=user,
        new_email=body.new_email,
        current_password=body.current_password,
    )
    return AcceptedResponse(detail=messages.EMAIL_CHANGE_ACCEPTED)
