"""Password logins waiting for their second factor: the `mfa_token`s.

A token is 256 random bits, stored only as its SHA-256 hash; it lives
`LIFETIME_SECS`, is spent by its first success, and takes at most
`MAX_CODES` codes. Each code claims an attempt before it is checked, in one
statement (`attempts < MAX_CODES`), so parallel guesses with one token get
at most that many checks; the success deletes the row in the transaction
that accepts its code, so exactly one of two concurrent right codes opens a
session and the other's code stays unused.
"""

import uuid
from dataclasses import dataclass

from app.core.database import Queryable
from app.core.security.secret_tokens import hash_secret_token, new_secret_token

LIFETIME_SECS = 5 * 60
MAX_CODES = 5
# An mfa_token we issue is 43 characters: anything far longer is none.
MAX_TOKEN_LENGTH = 256

_START = """
INSERT INTO mfa_login_attempts (token_hash, user_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
"""

# Only for an account that is still active.
_CLAIM_ATTEMPT = """
UPDATE mfa_login_attempts AS a SET attempts = a.attempts + 1
FROM users AS u
WHERE a.token_hash = $1 AND a.expires_at > now() AND a.attempts < $2
  AND u.user_id = a.user_id AND u.is_active
RETURNING a.user_id, u.email
"""

_SPEND = "DELETE FROM mfa_login_attempts WHERE token_hash = $1 RETURNING 1"


async def start(*, db: Queryable, user_id: uuid.UUID) -> str:
    """A new `mfa_token` for the account."""
    token, token_hash = new_secret_token()
    await db.execute(_START, token_hash, user_id, float(LIFETIME_SECS))
    return token


@dataclass(frozen=True, slots=True)
class Attempt:
    user_id: uuid.UUID
    email: str


async def claim_attempt(*, db: Queryable, token: str) -> Attempt | None:
    """Count one code against the token: its account, or None if it is unknown, spent or dead."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await db.fetchrow(_CLAIM_ATTEMPT, hash_secret_token(token), MAX_CODES)
    return None if row is None else Attempt(row["user_id"], row["email"])


async def spend(*, db: Queryable, token: str) -> bool:
    """Use the token up; False if another request did first."""
    return await db.fetchval(_SPEND, hash_secret_token(token)) is not None
