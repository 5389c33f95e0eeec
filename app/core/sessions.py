"""Login sessions and their refresh tokens, each change one atomic SQL statement.

These run hand-written SQL on the pool's connections (see database.py):
they are the hot paths. Every state change is a single statement, so that two concurrent
requests can never both win: a refresh token is claimed with
`UPDATE ... WHERE spent_at IS NULL`, which PostgreSQL serialises on the row.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.core.database import Queryable

_OPEN_SESSION = """
WITH new_session AS (
    INSERT INTO user_sessions (session_id, user_id) VALUES ($1, $2)
)
INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($3, $1, $4)
"""

# Spends the token and issues its successor in one round trip. The successor
# is only inserted, and a row only returned, when the session and its user
# are still valid.
_ROTATE = """
WITH spent AS (
    UPDATE refresh_tokens SET spent_at = now()
    WHERE token_hash = $1 AND spent_at IS NULL AND expires_at > now()
    RETURNING session_id
), live AS (
    SELECT s.session_id, s.user_id
    FROM spent
    JOIN user_sessions AS s ON s.session_id = spent.session_id
    JOIN users AS u ON u.user_id = s.user_id
    WHERE s.revoked_at IS NULL AND u.is_active
), successor AS (
    INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
    SELECT $2, session_id, $3 FROM live
)
SELECT session_id, user_id FROM live
"""

# RFC 9700 reuse detection: a token spent longer than the grace period ago
# is being replayed by someone who should not have it.
_REVOKE_IF_REPLAYED = """
UPDATE user_sessions AS s SET revoked_at = now()
FROM refresh_tokens AS t
WHERE t.token_hash = $1
  AND t.session_id = s.session_id
  AND t.spent_at < now() - make_interval(secs => $2)
  AND s.revoked_at IS NULL
RETURNING s.session_id, s.user_id
"""

_REVOKE_BY_REFRESH_TOKEN = """
UPDATE user_sessions SET revoked_at = now()
WHERE session_id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)
  AND revoked_at IS NULL
"""

_REVOKE_ALL = """
UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL
"""

_REVOKE_OTHERS = """
UPDATE user_sessions SET revoked_at = now()
WHERE user_id = $1 AND session_id <> $2 AND revoked_at IS NULL
"""

_SESSION_USER = """
SELECT u.email, u.is_superuser, u.created_at
FROM user_sessions AS s
JOIN users AS u ON u.user_id = s.user_id
WHERE s.session_id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.is_active
"""


@dataclass(frozen=True, slots=True)
class SessionUser:
    """The user behind a valid access token, and the session it belongs to."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    email: str
    is_superuser: bool
    created_at: datetime
    is_active: bool = True


async def open_session(
    *,
    db: Queryable,
    user_id: uuid.UUID,
    refresh_token_hash: bytes,
    refresh_expires_at: datetime,
) -> uuid.UUID:
    session_id = uuid.uuid4()
    await db.execute(_OPEN_SESSION, session_id, user_id, refresh_token_hash, refresh_expires_at)
    return session_id


async def rotate_refresh_token(
    *,
    db: Queryable,
    token_hash: bytes,
    successor_hash: bytes,
    successor_expires_at: datetime,
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Spend a refresh token for its successor: (session id, user id), or None if refused."""
    row = await db.fetchrow(_ROTATE, token_hash, successor_hash, successor_expires_at)
    if row is None:
        return None
    return row["session_id"], row["user_id"]


async def revoke_session_if_replayed(
    *, db: Queryable, token_hash: bytes, grace_secs: int
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Revoke the session of a token spent more than `grace_secs` ago: (session, user) or None."""
    row = await db.fetchrow(_REVOKE_IF_REPLAYED, token_hash, float(grace_secs))
    if row is None:
        return None
    return row["session_id"], row["user_id"]


async def revoke_session_by_refresh_token(*, db: Queryable, token_hash: bytes) -> None:
    """Logout: any token of the session, spent or not, names it."""
    await db.execute(_REVOKE_BY_REFRESH_TOKEN, token_hash)


async def revoke_all_sessions(*, db: Queryable, user_id: uuid.UUID) -> None:
    await db.execute(_REVOKE_ALL, user_id)


async def revoke_other_sessions(
    *, db: Queryable, user_id: uuid.UUID, keep_session_id: uuid.UUID
) -> None:
    await db.execute(_REVOKE_OTHERS, user_id, keep_session_id)


async def find_session_user(
    *, db: Queryable, session_id: uuid.UUID, user_id: uuid.UUID
) -> SessionUser | None:
    """The active user of a live session, in one round trip; None if either is gone."""
    row = await db.fetchrow(_SESSION_USER, session_id, user_id)
    if row is None:
        return None
    return SessionUser(
        user_id=user_id,
        session_id=session_id,
        email=row["email"],
        is_superuser=row["is_superuser"],
        created_at=row["created_at"],
    )
