"""What superusers do to accounts: list them page by page, read, change, delete."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update

from app.core import account_events, accounts, messages, sessions, superuser_guard
from app.core.client_address import Client
from app.core.database import Database, driver_connection
from app.core.errors import ConflictError, NotFoundError
from app.core.sessions import SessionUser
from app.models import User


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    has_more: bool


async def list_users(
    *, db: Database, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> UserPage:
    """Users in creation order, from just after the key `after` (keyset pagination).

    The row comparison walks the (created_at, user_id) index, so every page
    costs the same however deep it is, and rows inserted meanwhile neither
    shift a page nor repeat one: each page starts strictly after the last key
    the client saw.
    """
    query = select(User).order_by(User.created_at, User.user_id).limit(limit + 1)
    if after is not None:
        query = query.where(tuple_(User.created_at, User.user_id) > tuple_(*after))
    async with db.session() as session:
        users = list((await session.scalars(query)).all())
    return UserPage(users=users[:limit], has_more=len(users) > limit)


async def get_user(*, db: Database, user_id: uuid.UUID) -> User:
    async with db.session() as session:
        user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError(messages.USER_NOT_FOUND)
    return user


async def update_user(
    *,
    db: Database,
    caller: SessionUser,
    client: Client,
    user_id: uuid.UUID,
    is_active: bool | None,
    is_superuser: bool | None,
) -> User:
    """Set the given flags (None leaves one as it is); deactivation revokes every session.

    All in one transaction, with `admin.user_updated` in the target's record
    (its actor the caller). A superuser cannot demote or deactivate themself
    here, and nobody can demote or deactivate the last active superuser
    (ConflictError), also when two superusers demote each other at once.
    """
    if user_id == caller.user_id:
        if is_superuser is False:
            raise ConflictError(messages.CANNOT_DEMOTE_SELF)
        if is_active is False:
            raise ConflictError(messages.CANNOT_DEACTIVATE_SELF)
    changes = {
        name: value
        for name, value in (("is_active", is_active), ("is_superuser", is_superuser))
        if value is not None
    }
    if not changes:
        return await get_user(db=db, user_id=user_id)
    async with db.session() as session:
        if is_active is False or is_superuser is False:
            await superuser_guard.check_removal(
                session=session, user_id=user_id, acting_superuser_id=caller.user_id
            )
        query = update(User).where(User.user_id == user_id).values(**changes).returning(User)
        user = (await session.scalars(query)).first()
        if user is None:
            raise NotFoundError(messages.USER_NOT_FOUND)
        connection = await driver_connection(session)
        if is_active is False:
            await sessions.revoke_all_sessions(db=connection, user_id=user_id)
        await account_events.record(
            connection,
            user_id=user_id,
            event_type=account_events.ADMIN_USER_UPDATED,
            client=client,
            actor_user_id=caller.user_id,
        )
        await session.commit()
    return user


async def delete_user(*, db: Database, caller: SessionUser, user_id: uuid.UUID) -> None:
    """Delete the account; its sessions go with it, so its access tokens fail at once.

    The last active superuser is never deleted (ConflictError, see `superuser_guard`).
    """
    if user_id == caller.user_id:
        raise ConflictError(messages.CANNOT_DELETE_SELF)
    if not await accounts.delete_user(db=db, user_id=user_id, acting_superuser_id=caller.user_id):
        raise NotFoundError(messages.USER_NOT_FOUND)
