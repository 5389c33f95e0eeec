"""The signed-in user: `/users/me`."""

from fastapi import APIRouter, HTTPException, Response, status

from app.api import api_messages
from app.api.deps import CurrentUser, PasswordHashingDep, PoolDep, SessionDep
from app.core import accounts, security_events, sessions
from app.models import User
from app.schemas.requests import UserUpdatePasswordRequest
from app.schemas.responses import ErrorResponse, UserResponse

router = APIRouter()

UNAUTHORIZED: dict[int | str, dict[str, object]] = {401: {"model": ErrorResponse}}


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
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHORIZED)
async def delete_current_user(user: CurrentUser, session: SessionDep) -> None:
    """Delete the account with all its sessions; the email may register again."""
    await accounts.delete_user(session=session, user_id=user.user_id)


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, 400: {"model": ErrorResponse}},
)
async def change_current_user_password(
    body: UserUpdatePasswordRequest,
    user: CurrentUser,
    session: SessionDep,
    pool: PoolDep,
    hashing: PasswordHashingDep,
) -> None:
    """Set a new password; every other session of the user is revoked, this one stays."""
    stored = await session.get(User, user.user_id)
    if stored is None:  # pragma: no cover - deleted between the auth check and here: a race
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail=api_messages.INVALID_ACCESS_TOKEN
        )
    matches, _ = await hashing.verify(stored.password_hash, body.current_password)
    if not matches:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST, detail=api_messages.WRONG_CURRENT_PASSWORD
        )
    await accounts.change_password_hash(
        session=session,
        user_id=user.user_id,
        password_hash=await hashing.hash(body.new_password),
    )
    await sessions.revoke_other_sessions(
        pool=pool, user_id=user.user_id, keep_session_id=user.session_id
    )
    security_events.password_changed(user_id=user.user_id)
