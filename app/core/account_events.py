"""Each account's record of security events: written in the transaction of the change.

`record()` takes the connection of the caller's transaction, so that an event
exists exactly when the change it records happened. The hottest statements
(opening a session, refresh reuse, logout in `sessions.py`) insert their
event in the same statement instead, with the same columns and types.
The `app.security` log lines and metrics (`security_events.py`) stay as they
were: they serve operators, this record serves the account's owner.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.core import messages
from app.core.client_address import Client
from app.core.database import Queryable
from app.core.errors import NotFoundError

# Event types (API.md v2, "Security events and notices").
LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"
LOGIN_THROTTLED = "login.throttled"
SESSION_REVOKED = "session.revoked"
REFRESH_REUSE_DETECTED = "refresh.reuse_detected"
PASSWORD_CHANGED = "password.changed"
PASSWORD_RESET = "password.reset"
EMAIL_VERIFIED = "email.verified"
EMAIL_CHANGE_REQUESTED = "email.change_requested"
EMAIL_CHANGED = "email.changed"
MFA_ENABLED = "mfa.enabled"
MFA_DISABLED = "mfa.disabled"
MFA_FAILED = "mfa.failed"
MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used"
MFA_RECOVERY_CODES_REGENERATED = "mfa.recovery_codes_regenerated"
PASSKEY_ADDED = "passkey.added"
PASSKEY_REMOVED = "passkey.removed"
ADMIN_USER_UPDATED = "admin.user_updated"

_RECORD = """
INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id, actor_user_id)
VALUES ($1, $2, $3, $4, $5, $6)
"""

# For a login that names an account by email: recorded only if it exists.
_RECORD_BY_EMAIL = """
INSERT INTO security_events (user_id, type, ip_address, user_agent)
SELECT user_id, $2, $3, $4 FROM users WHERE email_canonical = $1
"""

_USER_EXISTS = "SELECT EXISTS (SELECT 1 FROM users WHERE user_id = $1)"
_COLUMNS = "event_id, type, at, ip_address, user_agent, session_id, actor_user_id"
_FIRST_PAGE = f"""
SELECT {_COLUMNS} FROM security_events WHERE user_id = $1
ORDER BY at DESC, event_id DESC LIMIT $2
"""
# Strictly after the last key the client saw, newest first: rows recorded
# meanwhile neither shift a page nor repeat one.
_NEXT_PAGE = f"""
SELECT {_COLUMNS} FROM security_events WHERE user_id = $1 AND (at, event_id) < ($3, $4)
ORDER BY at DESC, event_id DESC LIMIT $2
"""


@dataclass(frozen=True, slots=True)
class Event:
    event_id: uuid.UUID
    type: str
    at: datetime
    ip_address: str | None
    user_agent: str | None
    session_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[Event]
    has_more: bool


async def record(
    db: Queryable,
    *,
    user_id: uuid.UUID,
    event_type: str,
    client: Client,
    session_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> None:
    """Append an event to the account's record, on `db` (the caller's transaction).

    `client` sent the request that caused it; `session_id` is the session
    acted on; `actor_user_id` the superuser who acted, for administration.
    """
    await db.execute(
        _RECORD,
        user_id,
        event_type,
        client.ip_address,
        client.user_agent,
        session_id,
        actor_user_id,
    )


async def record_for_email(
    db: Queryable, *, email_canonical: str, event_type: str, client: Client
) -> None:
    """Record an event for the account of this canonical email, if there is one."""
    await db.execute(
        _RECORD_BY_EMAIL, email_canonical, event_type, client.ip_address, client.user_agent
    )


async def list_events(
    db: Queryable,
    *,
    user_id: uuid.UUID,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    must_exist: bool,
) -> EventPage:
    """The account's events newest first, from just after the key `after`.

    `must_exist`: NotFoundError for an unknown account (a superuser asking);
    the signed-in user's own account needs no such check.
    """
    if must_exist and not await db.fetchval(_USER_EXISTS, user_id):
        raise NotFoundError(messages.USER_NOT_FOUND)
    if after is None:
        rows = await db.fetch(_FIRST_PAGE, user_id, limit + 1)
    else:
        rows = await db.fetch(_NEXT_PAGE, user_id, limit + 1, *after)
    events = [Event(**dict(row)) for row in rows[:limit]]
    return EventPage(events=events, has_more=len(rows) > limit)
