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

from app.core.client_address import Client
from app.core.database import Queryable

# The session and its `login.succeeded` event in one statement, so that the
# event exists exactly when the session does. `new_device` (asked for with
# $8) compares the user agent and address with the account's earlier logins,
# as the statement's snapshot sees them: this login is not among them. An
# account's first login is no new device.
_OPEN_SESSION = """
WITH opened AS (
    INSERT INTO user_sessions
        (session_id, user_id, expires_at, refresh_expires_at, amr, user_agent, ip_address)
    SELECT
        $1, user_id, now() + make_interval(secs => $3),
        least(now() + make_interval(secs => $3), now() + make_interval(secs => $4)),
        $5, $6, $7
    FROM users WHERE user_id = $2 AND is_active AND (email_verified OR NOT $9::boolean)
    RETURNING refresh_expires_at
), recorded AS (
    INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id)
    SELECT $2, 'login.succeeded', $7, $6, $1 FROM opened
)
SELECT refresh_expires_at,
    $8::boolean
    AND EXISTS (
        SELECT 1 FROM security_events WHERE user_id = $2 AND type = 'login.succeeded'
    )
    AND NOT EXISTS (
        SELECT 1 FROM security_events
        WHERE user_id = $2 AND type = 'login.succeeded'
          AND user_agent IS NOT DISTINCT FROM $6 AND ip_address IS NOT DISTINCT FROM $7
    ) AS new_device
FROM opened
"""

# Spends generation $2 and makes the next one live, in one round trip, when
# the session is live, within its lifetimes, and its user active. A refresh
# token lives `$3` seconds from its issue, and never past the session's end.
_ROTATE = """
UPDATE user_sessions AS s
SET generation = s.generation + 1, rotated_at = now(),
    refresh_expires_at = least(s.expires_at, now() + make_interval(secs => $3)),
    last_used_at = now(), user_agent = $4, ip_address = $5
FROM users AS u
WHERE s.session_id = $1 AND s.generation = $2
  AND s.revoked_at IS NULL AND s.refresh_expires_at > now() AND s.expires_at > now()
  AND u.user_id = s.user_id AND u.is_active
RETURNING s.user_id, s.generation, s.refresh_expires_at, s.amr
"""

# RFC 9700 reuse detection, for a genuine token that did not rotate: an
# earlier generation than the live one was spent, so it is being replayed.
# The one just before the live one, replayed within the grace period, is
# spared (two browser tabs refreshing at once), unless its successor (the
# live one) was used too: then there is a later generation than $2 + 1.
# The revocation records `refresh.reuse_detected` in the same statement.
_REVOKE_IF_REPLAYED = """
WITH revoked AS (
    UPDATE user_sessions SET revoked_at = now()
    WHERE session_id = $1 AND revoked_at IS NULL AND generation > $2
      AND (generation > $2 + 1 OR rotated_at < now() - make_interval(secs => $3))
    RETURNING user_id
), recorded AS (
    INSERT INTO security_events (user_id, type, ip_address, user_agent, session_id)
    SELECT user_id, 'refresh.reuse_detected', $4, $5, $1 FROM revoked
)
SELECT r.user_id, u.email FROM revoked AS r JOIN users AS u ON u.user_id = r.user_id
"""

_REVOKE_ALL = """
UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL
"""

_REVOKE_OTHERS = """
UPDATE user_sessions SET revoked_at = now()
WHERE user_id = $1 AND session_id <> $2 AND revoked_at IS NULL
"""

_SESSION_USER = """
SELECT u.email, u.is_superuser, u.created_at, u.email_verified, u.mfa_enabled, s.amr
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
    email_verified: bool = False
    mfa_enabled: bool = False
    is_active: bool = True
    # How the session's login was proved (RFC 8176), for the superuser switch.
    amr: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rotation:
    """A successful refresh: the session's user, its new live generation, its methods."""

    user_id: uuid.UUID
    generation: int
    refresh_expires_at: datetime
    amr: list[str]


@dataclass(frozen=True, slots=True)
class OpenedSession:
    refresh_expires_at: datetime
    # The login came from a user agent and address pair the account has not
    # logged in from before (only when asked for, and never at the first login).
    new_device: bool


@dataclass(frozen=True, slots=True)
class Replay:
    """A refresh token replayed: the session it revoked, and its user's address."""

    user_id: uuid.UUID
    email: str


async def open_session(
    *,
    db: Queryable,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    lifetime_secs: int,
    refresh_lifetime_secs: int,
    amr: list[str],
    client: Client,
    require_verified_email: bool,
    check_new_device: bool = False,
) -> OpenedSession | None:
    """Start a session at generation 0 and record its `login.succeeded`, in one statement.

    `amr`: the RFC 8176 methods the login proved (["pwd"], ["pwd", "otp"],
    ["hwk", "user"]); every access token of the session carries them.
    None, and no session, when the user is gone or inactive, or (with
    `require_verified_email`, SECURITY__REQUIRE_VERIFIED_EMAIL) unverified:
    no grant can open a session the settings forbid.
    """
    row = await db.fetchrow(
        _OPEN_SESSION,
        session_id,
        user_id,
        float(lifetime_secs),
        float(refresh_lifetime_secs),
        amr,
        client.user_agent,
        client.ip_address,
        check_new_device,
        require_verified_email,
    )
    return None if row is None else OpenedSession(row["refresh_expires_at"], row["new_device"])


async def rotate(
    *,
    db: Queryable,
    session_id: uuid.UUID,
    generation: int,
    refresh_lifetime_secs: int,
    client: Client,
) -> Rotation | None:
    """Spend `generation` of the session for the next one; None if refused.

    The same statement records the client's user agent and address and the
    time on the session: a refresh takes one round trip.
    """
    row = await db.fetchrow(
        _ROTATE,
        session_id,
        generation,
        float(refresh_lifetime_secs),
        client.user_agent,
        client.ip_address,
    )
    if row is None:
        return None
    return Rotation(row["user_id"], row["generation"], row["refresh_expires_at"], row["amr"])


async def revoke_if_replayed(
    *, db: Queryable, session_id: uuid.UUID, generation: int, grace_secs: int, client: Client
) -> Replay | None:
    """Revoke the session when `generation` is a replayed spent token (and record it)."""
    row = await db.fetchrow(
        _REVOKE_IF_REPLAYED,
        session_id,
        generation,
        float(grace_secs),
        client.ip_address,
        client.user_agent,
    )
    return None if row is None else Replay(row["user_id"], row["email"])


async def revoke_all_sessions(*, db: Queryable, user_id: uuid.UUID) -> None:
    """End every session of the user, as a consequence of another change (no event each)."""
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
        email_verified=row["email_verified"],
        mfa_enabled=row["mfa_enabled"],
        amr=tuple(row["amr"]),
    )
