"""Administration of accounts, for superusers only: `/users` and `/users/{user_id}`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.common_responses import SUPERUSER_ONLY, error
from app.api.deps import ClientDep, CurrentSuperuser, ServicesDep
from app.api.pagination import CURSOR_MAX_LENGTH, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, decode_cursor
from app.core import admin, messages
from app.schemas.requests import UserUpdateRequest
from app.schemas.responses import UserListResponse, UserResponse

router = APIRouter(prefix="/users", tags=["admin"])

NOT_FOUND = error(404, messages.USER_NOT_FOUND)


@router.get("", responses=SUPERUSER_ONLY)
async def list_users(
    _: CurrentSuperuser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = PAGE_SIZE_DEFAULT,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
) -> UserListResponse:
    """Users in creation order; pass `next_cursor` back as `cursor` for the next page."""
    signer = services.cursor_signer
    after = decode_cursor(signer, cursor)
    page = await admin.list_users(db=services.database, limit=limit, after=after)
    last = page.users[-1] if page.has_more else None
    return UserListResponse(
        items=[UserResponse.model_validate(user) for user in page.users],
        next_cursor=signer.encode(created_at=last.created_at, user_id=last.user_id)
        if last is not None
        else None,
    )


@router.get("/{user_id}", responses={**SUPERUSER_ONLY, **NOT_FOUND})
async def read_user(user_id: uuid.UUID, _: CurrentSuperuser, services: ServicesDep) -> UserResponse:
    user = await admin.get_user(db=services.database, user_id=user_id)
    return UserResponse.model_validate(user)


@router.patch(
    "/{user_id}",
    responses={
        **SUPERUSER_ONLY,
        **NOT_FOUND,
        **error(
            409,
            f"{messages.CANNOT_DEMOTE_SELF}; or {messages.CANNOT_DEACTIVATE_SELF}; "
            f"or {messages.LAST_SUPERUSER}",
        ),
    },
)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdateRequest,
    caller: CurrentSuperuser,
    services: ServicesDep,
    client: ClientDep,
) -> UserResponse:
    """Activate, deactivate, promote or demote; deactivation revokes every session at once.

    The last active superuser cannot be demoted or deactivated (409); a caller
    who lost the role while the request waited gets 403.
    """
    user = await admin.update_user(
        db=services.database,
        caller=caller,
        client=client,
        user_id=user_id,
        is_active=body.is_active,
        is_superuser=body.is_superuser,
    )
    return UserResponse.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **SUPERUSER_ONLY,
        **NOT_FOUND,
        **error(409, f"{messages.CANNOT_DELETE_SELF}; or {messages.LAST_SUPERUSER}"),
    },
)
async def delete_user(user_id: uuid.UUID, caller: CurrentSuperuser, services: ServicesDep) -> None:
    """Delete the account; its sessions go with it, so its access tokens fail at once.

    The last active superuser cannot be deleted (409); a caller who lost the
    role while the request waited gets 403.
    """
    await admin.delete_user(db=services.database, caller=caller, user_id=user_id)
