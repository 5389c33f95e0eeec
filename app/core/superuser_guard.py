"""The service always keeps an active superuser: the check every removal makes, under one lock.

A removal is a demotion, a deactivation or a deletion of an account. Each
one takes `SUPERUSER_ROSTER_LOCK` (a transaction-level advisory lock) inside
the transaction that changes the row, then counts the active superusers: two
removals therefore run one after the other, and the second sees what the
first committed (READ COMMITTED takes a snapshot per statement, so every
statement after the lock sees every commit made before it). Promotions need
not take it: they can only add to the count.
"""

import uuid

from sqlalchemy import false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import messages
from app.core.errors import ConflictError, ForbiddenError
from app.models import User

# Any constant will do, as long as no other advisory lock of this database
# uses it (the migrations use 72_402_116).
SUPERUSER_ROSTER_LOCK = 72_402_117


async def check_removal(
    *, session: AsyncSession, user_id: uuid.UUID, acting_superuser_id: uuid.UUID | None
) -> None:
    """Refuse to remove `user_id` if it is the last active superuser (ConflictError).

    Call it first in the transaction that makes the change. It runs through
    the ORM, which begins the session's transaction: SQL sent on
    `driver_connection(session)` before any ORM statement would run outside
    it. And it locks before any row lock, so every removal locks in one order.

    `acting_superuser_id` is the superuser who acts on another's account:
    ForbiddenError when they are no longer an active superuser (demoted or
    deactivated while this request waited). None when the owner removes it.
    """
    await session.execute(select(func.pg_advisory_xact_lock(SUPERUSER_ROSTER_LOCK)))
    is_caller = false() if acting_superuser_id is None else User.user_id == acting_superuser_id
    roster = (
        await session.execute(
            select(
                func.count().filter(User.user_id != user_id).label("others"),
                func.coalesce(func.bool_or(User.user_id == user_id), false()).label("target"),
                func.coalesce(func.bool_or(is_caller), false()).label("caller"),
            ).where(User.is_superuser, User.is_active)
        )
    ).one()
    if acting_superuser_id is not None and not roster.caller:
        raise ForbiddenError(messages.SUPERUSER_REQUIRED)
    if roster.target and roster.others == 0:
        raise ConflictError(messages.LAST_SUPERUSER)
