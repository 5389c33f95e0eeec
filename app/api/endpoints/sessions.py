"""The signed-in user's sessions and security events: `/users/me/sessions`,
`/users/me/security-events`, and `/users/{user_id}/security-events` for superusers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.common_responses import SUPERUSER_ONLY, UNAUTHORIZED, error
from app.api.deps import ClientDep, CurrentSuperuser, CurrentUser, ServicesDep
from app.api.pagination import CURSOR_MAX_LENGTH, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, decode_cursor
from app.core import account_events, devices, messages
from app.core.services import Services
from app.schemas.responses import (
    SecurityEventListResponse,
    SecurityEventResponse,
    SessionResponse,
)

router = APIRouter(prefix="/users", tags=["users"])

Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)]
Cursor = Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)]


@router.get("/me/sessions", responses=UNAUTHORIZED)
async def list_sessions(user: CurrentUser, services: ServicesDep) -> list[SessionResponse]:
    """The live sessions, most recently used first; `current` marks this token's one."""
    sessions = await devices.list_sessions(services.database, user_id=user.user_id)
    return [
        SessionResponse(
            session_id=session.session_id,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            user_agent=session.user_agent,
            ip_address=session.ip_address,
            current=session.session_id == user.session_id,
            amr=session.amr,
        )
        for session in sessions
    ]


@router.delete(
    "/me/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **error(404, messages.SESSION_NOT_FOUND)},
)
async def revoke_session(
    session_id: uuid.UUID, user: CurrentUser, services: ServicesDep, client: ClientDep
) -> None:
    """End one live session at once: its refresh and access tokens stop working."""
    await devices.revoke_session(
        services.database, user_id=user.user_id, session_id=session_id, client=client
    )


async def _event_page(
    services: Services, *, user_id: uuid.UUID, limit: int, cursor: str | None, must_exist: bool
) -> SecurityEventListResponse:
    signer = services.cursor_signer
    page = await account_events.list_events(
        services.database,
        user_id=user_id,
        limit=limit,
        after=decode_cursor(signer, cursor),
        must_exist=must_exist,
    )
    last = page.events[-1] if page.has_more else None
    return SecurityEventListResponse(
        items=[SecurityEventResponse.model_validate(event) for event in page.events],
        next_cursor=signer.encode(created_at=last.at, user_id=last.event_id) if last else None,
    )


@router.get("/me/security-events", responses=UNAUTHORIZED)
async def list_my_security_events(
    user: CurrentUser,
    services: ServicesDep,
    limit: Limit = PAGE_SIZE_DEFAULT,
    cursor: Cursor = None,
) -> SecurityEventListResponse:
    """The account's security events, newest first; pass `next_cursor` back as `cursor`."""
    return await _event_page(
        services, user_id=user.user_id, limit=limit, cursor=cursor, must_exist=False
    )


@router.get(
    "/{user_id}/security-events",
    tags=["admin"],
    responses={**SUPERUSER_ONLY, **error(404, messages.USER_NOT_FOUND)},
)
async def list_user_security_events(
    user_id: uuid.UUID,
    _: CurrentSuperuser,
    services: ServicesDep,
    limit: Limit = PAGE_SIZE_DEFAULT,
    cursor: Cursor = None,
) -> SecurityEventListResponse:
    """Any account's security events, newest first (superusers only)."""
    return await _event_page(services, user_id=user_id, limit=limit, cursor=cursor, must_exist=True)
