"""Administration of accounts, for superusers only: `/users` and `/users/{user_id}`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError

from app.api import api_messages
from app.api.deps import CurrentSuperuser, CursorSignerDep, SessionDep
from app.core import admin
from app.core.pagination import InvalidCursorError
from app.models import User
from app.schemas.requests import UserUpdateRequest
from app.schemas.responses import ErrorResponse, UserListResponse, UserResponse

router = APIRouter()

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
# A cursor we issue is 54 characters; anything much longer is not one.
CURSOR_MAX_LENGTH = 128

SUPERUSER_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": api_messages.INVALID_ACCESS_TOKEN},
    403: {"model": ErrorResponse, "description": api_messages.SUPERUSER_REQUIRED},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": api_messages.USER_NOT_FOUND},
}


def _not_found() -> HTTPException:
    return HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=api_messages.USER_NOT_FOUND)


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail=detail)


def _invalid_cursor(cursor: str) -> RequestValidationError:
    # FastAPI's standard 422 body, as for a bad `limit`.
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", "cursor"),
                "msg": api_messages.INVALID_CURSOR,
                "input": cursor,
            }
        ]
    )


@router.get("", responses=SUPERUSER_ONLY)
async def list_users(
    _: CurrentSuperuser,
    session: SessionDep,
    signer: CursorSignerDep,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = PAGE_SIZE_DEFAULT,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
) -> UserListResponse:
    """Users in creation order; pass `next_cursor` back as `cursor` for the next page."""
    try:
        after = signer.decode(cursor) if cursor is not None else None
    except InvalidCursorError as error:
        raise _invalid_cursor(str(cursor)) from error
    page = await admin.list_users(session=session, limit=limit, after=after)
    last = page.users[-1] if page.has_more else None
    return UserListResponse(
        items=[UserResponse.model_validate(user) for user in page.users],
        next_cursor=signer.encode(created_at=last.created_at, user_id=last.user_id)
        if last is not None
        else None,
    )


@router.get("/{user_id}", responses={**SUPERUSER_ONLY, **NOT_FOUND})
async def read_user(user_id: uuid.UUID, _: CurrentSuperuser, session: SessionDep) -> UserResponse:
    user: User | None = await admin.get_user(session=session, user_id=user_id)
    if user is None:
        raise _not_found()
    return UserResponse.model_validate(user)


@router.patch(
    "/{user_id}",
    responses={
        **SUPERUSER_ONLY,
        **NOT_FOUND,
        409: {
            "model": ErrorResponse,
            "description": (
                f"{api_messages.CANNOT_DEMOTE_SELF}; or {api_messages.CANNOT_DEACTIVATE_SELF}"
            ),
        },
    },
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdateRequest, caller: CurrentSuperuser, session: SessionDep
) -> UserResponse:
    """Activate, deactivate, promote or demote; deactivation revokes every session at once."""
    if user_id == caller.user_id:
        # Locking oneself out here could leave no superuser at all.
        if body.is_superuser is False:
            raise _conflict(api_messages.CANNOT_DEMOTE_SELF)
        if body.is_active is False:
            raise _conflict(api_messages.CANNOT_DEACTIVATE_SELF)
    user = await admin.update_user(
        session=session,
        user_id=user_id,
        is_active=body.is_active,
        is_superuser=body.is_superuser,
    )
    if user is None:
        raise _not_found()
    return UserResponse.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **SUPERUSER_ONLY,
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": api_messages.CANNOT_DELETE_SELF},
    },
)
async def delete_user(user_id: uuid.UUID, caller: CurrentSuperuser, session: SessionDep) -> None:
    """Delete the account; its sessions go with it, so its access tokens fail at once."""
    if user_id == caller.user_id:
        raise _conflict(api_messages.CANNOT_DELETE_SELF)
    if not await admin.delete_user(session=session, user_id=user_id):
        raise _not_found()
