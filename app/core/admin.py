"""What superusers do to accounts: list them page by page, read, change, delete."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User, UserSession


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    has_more: bool


async def list_users(
    *, session: AsyncSession, limit: int, after: tuple[datetime, uuid.UUID] | None
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
    users = list((await session.scalars(query)).all())
    return UserPage(users=users[:limit], has_more=len(users) > limit)


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def update_user(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    is_active: bool | None,
    is_superuser: bool | None,
) -> User | None:
    """Set the given flags; deactivation revokes every session in the same transaction.

    None for a flag leaves it as it is. Returns the updated user, or None when
    there is no such user.
    """
    changes = {
        name: value
        for name, value in (("is_active", is_active), ("is_superuser", is_superuser))
        if value is not None
    }
    if not changes:
        return await get_user(session=session, user_id=user_id)
    query = update(User).where(User.user_id == user_id).values(**changes).returning(User)
    user = (await session.scalars(query)).first()
    if user is None:
        return None
    if is_active is False:
        await session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
    await session.commit()
    return user


async def delete_user(*, session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Delete the user; sessions and tokens go with it (ON DELETE CASCADE). False if unknown."""
    result = await session.execute(
        delete(User).where(User.user_id == user_id).returning(User.user_id)
    )
    await session.commit()
    return result.first() is not None
