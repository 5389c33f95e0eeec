"""Sessions and devices: what users do to their own sessions (list them, revoke one,
log out, log out everywhere); each revocation records `session.revoked` in its statement."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.core import messages
from app.core.client_address import Client
from app.core.database import Queryable
from app.core.errors import NotFoundError

# Live: what a refresh would still accept (see sessions._ROTATE).
_LIVE = "revoked_at IS NULL AND refresh_expires_at > now() AND expires_at > now()"

_LIST = f"""
SELECT session_id, created_at, last_used_at, user_agent, ip_address, amr
FROM user_sessions WHERE user_id = $1 AND {_LIVE}
ORDER BY last_used_at DESC, session_id
"""

# Only a live session of this user: another user's id is no session here.
# The revocation records `session.revoked` in the same statement.
_REVOKE = f"""
WITH revoked AS (
    UPDATE user_sessions SET revoked_at = now()
    WHERE session_id = $1 AND user_id = $2 AND {_LIVE}
    RETURNING session_id
)
INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id)
SELECT $2, 'session.revoked', $3, $4, session_id FROM revoked
RETURNING session_id
"""


# Logout: the live token or any spent one names the session. The revocation
# records `session.revoked` in the same statement.
_REVOKE_BY_REFRESH_TOKEN = """
WITH revoked AS (
    UPDATE user_sessions SET revoked_at = now()
    WHERE session_id = $1 AND generation >= $2 AND revoked_at IS NULL
    RETURNING user_id
)
INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id)
SELECT user_id, 'session.revoked', $3, $4, $1 FROM revoked
"""

# Logout-all: one `session.revoked` per session it ends, in the same statement.
_REVOKE_ALL_RECORDED = """
WITH revoked AS (
    UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL
    RETURNING session_id
)
INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id)
SELECT $1, 'session.revoked', $2, $3, session_id FROM revoked
"""


@dataclass(frozen=True, slots=True)
class Device:
    session_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip_address: str | None
    amr: list[str]


async def list_sessions(db: Queryable, *, user_id: uuid.UUID) -> list[Device]:
    """The user's live sessions, most recently used first."""
    return [Device(**dict(row)) for row in await db.fetch(_LIST, user_id)]


async def revoke_session(
    db: Queryable, *, user_id: uuid.UUID, session_id: uuid.UUID, client: Client
) -> None:
    """End one live session of the user at once (every request checks its row)."""
    revoked = await db.fetchval(_REVOKE, session_id, user_id, client.ip_address, client.user_agent)
    if revoked is None:
        raise NotFoundError(messages.SESSION_NOT_FOUND)


async def revoke_by_refresh_token(
    *, db: Queryable, session_id: uuid.UUID, generation: int, client: Client
) -> None:
    await db.execute(
        _REVOKE_BY_REFRESH_TOKEN, session_id, generation, client.ip_address, client.user_agent
    )


async def revoke_all_sessions_recorded(
    *, db: Queryable, user_id: uuid.UUID, client: Client
) -> None:
    """Logout-all: end every session, recording one `session.revoked` for each."""
    await db.execute(_REVOKE_ALL_RECORDED, user_id, client.ip_address, client.user_agent)
