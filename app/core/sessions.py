"""Login sessions and their refresh tokens: one row per session, each change one statement.

These run hand-written SQL on the pool's connections (see database.py):
they are the hot paths. Every state change is a single statement, so that
two concurrent requests can never both win: a refresh moves the session to
its next generation with `UPDATE ... WHERE generation = $n`, which
PostgreSQL serialises on the row. The refresh token itself names the
session and generation (see security/refresh_tokens.py), so no statement
looks a token up by hash.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.core.database import Queryable

_OPEN_SESSION = """
INSERT INTO user_sessions (session_id, user_id, expires_at, refresh_expires_at)
VALUES (
    $1, $2, now() + make_interval(secs => $3),
    least(now() + make_interval(secs => $3), now() + make_interval(secs => $4))
)
RETURNING refresh_expires_at
"""

# Spends generation $2 and makes the next one live, in one round trip, when
# the session is live, within its lifetimes, and its user active. A refresh
# token lives `$3` seconds from its issue, and never past the session's end.
_ROTATE = """
UPDATE user_sessions AS s
SET generation = s.generation + 1, rotated_at = now(),
    refresh_expires_at = least(s.expires_at, now() + make_interval(secs => $3))
FROM users AS u
WHERE s.session_id = $1 AND s.generation = $2
  AND s.revoked_at IS NULL AND s.refresh_expires_at > now() AND s.expires_at > now()
  AND u.user_id = s.user_id AND u.is_active
RETURNING s.user_id, s.generation, s.refresh_expires_at
"""

# RFC 9700 reuse detection, for a genuine token that did not rotate: an
# earlier generation than the live one was spent, so it is being replayed.
# The one just before the live one, replayed within the grace period, is
# spared (two browser tabs refreshing at once), unless its successor (the
# live one) was used too: then there is a later generation than $2 + 1.
_REVOKE_IF_REPLAYED = """
UPDATE user_sessions SET revoked_at = now()
WHERE session_id = $1 AND revoked_at IS NULL AND generation > $2
  AND (generation > $2 + 1 OR rotated_at < now() - make_interval(secs => $3))
RETURNING user_id
"""

# Logout: the live token or any spent one names the session.
_REVOKE_BY_REFRESH_TOKEN = """
UPDATE user_sessions SET revoked_at = now()
WHERE session_id = $1 AND generation >= $2 AND revoked_at IS NULL
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


@dataclass(frozen=True, slots=True)
class Rotation:
    """A successful refresh: the session's user and its new live generation."""

    user_id: uuid.UUID
    generation: int
    refresh_expires_at: datetime


async def open_session(
    *,
    db: Queryable,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    lifetime_secs: int,
    refresh_lifetime_secs: int,
) -> datetime:
    """Start a session at generation 0; returns when its first refresh token expires."""
    refresh_expires_at: datetime = await db.fetchval(
        _OPEN_SESSION, session_id, user_id, float(lifetime_secs), float(refresh_lifetime_secs)
    )
    return refresh_expires_at


async def rotate(
    *, db: Queryable, session_id: uuid.UUID, generation: int, refresh_lifetime_secs: int
) -> Rotation | None:
    """Spend `generation` of the session for the next one; None if refused."""
    row = await db.fetchrow(_ROTATE, session_id, generation, float(refresh_lifetime_secs))
    if row is None:
        return None
    return Rotation(row["user_id"], row["generation"], row["refresh_expires_at"])


async def revoke_if_replayed(
    *, db: Queryable, session_id: uuid.UUID, generation: int, grace_secs: int
) -> uuid.UUID | None:
    """Revoke the session when `generation` is a replayed spent token: its user, or None."""
    user_id: uuid.UUID | None = await db.fetchval(
        _REVOKE_IF_REPLAYED, session_id, generation, float(grace_secs)
    )
    return user_id


async def revoke_by_refresh_token(*, db: Queryable, session_id: uuid.UUID, generation: int) -> None:
    await db.execute(_REVOKE_BY_REFRESH_TOKEN, session_id, generation)


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
