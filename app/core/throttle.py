"""Fixed-window attempt counters in PostgreSQL, shared by every replica.

A check is one statement, one round trip: it counts the attempt on some keys
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, which PostgreSQL
serialises per key, so concurrent attempts on two replicas never lose a
count) and reads others without counting them (a login's past failures).
A counter whose window has passed starts again at 1.
"""

import hashlib
from dataclasses import dataclass

import asyncpg

_COUNT_AND_READ = """
WITH counted AS (
    INSERT INTO throttle_counters AS c (key, expires_at, count)
    SELECT key, now() + make_interval(secs => secs), 1
    FROM unnest($1::text[], $2::float8[]) AS attempt(key, secs)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN c.expires_at > now() THEN c.count + 1 ELSE 1 END,
        expires_at = CASE WHEN c.expires_at > now() THEN c.expires_at ELSE excluded.expires_at END
    RETURNING c.key, c.count, c.expires_at
), counters AS (
    SELECT key, count, expires_at FROM counted
    UNION ALL
    SELECT key, count, expires_at FROM throttle_counters
    WHERE key = ANY($3::text[]) AND expires_at > now()
)
SELECT key, count, ceil(extract(epoch FROM expires_at - now()))::int AS retry_after
FROM counters
"""

_FORGET = "DELETE FROM throttle_counters WHERE key = $1"

# SKIP LOCKED: the cleanup never waits for a counter another request holds,
# so it cannot deadlock with the checks.
_DELETE_EXPIRED = """
DELETE FROM throttle_counters WHERE key IN (
    SELECT key FROM throttle_counters WHERE expires_at <= now()
    LIMIT 1000 FOR UPDATE SKIP LOCKED
)
"""


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    count: int
    retry_after_secs: int


def account_key(action: str, email: str) -> str:
    """The key of an account's counter: a hash, so the table holds no email in clear.

    Lower-cased as the users table compares emails, and whether or not the
    account exists, so that throttling tells nothing about who is registered.
    """
    digest = hashlib.sha256(email.lower().encode("utf-8", "surrogatepass")).hexdigest()
    return f"{action}:account:{digest[:32]}"


def address_key(action: str, address: str) -> str:
    return f"{action}:address:{address}"


async def count_attempt(
    *, pool: asyncpg.Pool, counted: dict[str, int], read: list[str]
) -> list[Counter]:
    """Count one attempt on each key of `counted` (key: window in seconds), read `read`.

    Returns the counters after the attempt; a read key without a live counter
    is left out.
    """
    rows = await pool.fetch(
        _COUNT_AND_READ, list(counted), [float(secs) for secs in counted.values()], read
    )
    return [Counter(row["key"], row["count"], max(row["retry_after"], 1)) for row in rows]


async def forget(*, pool: asyncpg.Pool, key: str) -> None:
    await pool.execute(_FORGET, key)


async def delete_expired(*, pool: asyncpg.Pool) -> None:
    await pool.execute(_DELETE_EXPIRED)
