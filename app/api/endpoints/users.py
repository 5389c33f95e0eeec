"""The signed-in user: `/users/me`."""

from fastapi import APIRouter, Response, status

from app.api.common_responses import THROTTLED, UNAUTHORIZED, error
from app.api.deps import ClientDep, CurrentUser, ServicesDep
from app.core import accounts, messages
from app.schemas.requests import UserUpdatePasswordRequest
from app.schemas.responses import UserResponse

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserResponse, responses=UNAUTHORIZED)
async def read_current_user(user: CurrentUser) -> Response:
    # The busiest endpoint serialises its own JSON (the same bytes FastAPI
    # would write): returning a Response skips FastAPI's second validation
    # of the model against `response_model`, which only the docs need here.
    body = UserResponse(
        user_id=user.user_id,
        email=user.email,
        is_active=user.is_active,
        is_superuser=user.is_superuser,
        created_at=user.created_at,
        email_verified=user.email_verified,
        mfa_enabled=user.mfa_enabled,
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **error(409, messages.LAST_SUPERUSER)},
)
async def delete_current_user(user: CurrentUser, services: ServicesDep) -> None:
    """Delete the account with all its sessions; the email may register again.

    The last active superuser cannot delete their account (409).
    """
    await accounts.delete_user(db=services.database, user_id=user.user_id, acting_superuser_id=None)


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **error(400, messages.WRONG_CURRENT_PASSWORD), **THROTTLED},
)
async def change_current_user_password(
    body: UserUpdatePasswordRequest, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> None:
    """Set a new password; every other session of the user is revoked, this one stays."""
    await accounts.change_password(
        db=services.database,
        settings=services.settings,
        hashing=services.password_hashing,
        throttle=services.throttle,
        jobs=services.background_jobs,
        client=client,
        session=user,
        current_password=body.current_password,
        new_password=body.new_password,
    )
