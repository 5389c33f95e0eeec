"""Throttling of credential guessing: fixed-window counters in PostgreSQL, shared by every replica.

Every attempt counts against the client's address; attempts also count
against the account they target: each registration or recovery request, and
each *failed* login (a success forgets the account's failures, so that a
user who mistyped a few times keeps their full allowance). Over a limit,
`TooManyAttemptsError` with the same message whether the account exists or
not, decided before the account is looked up.

A check is one statement, one round trip: it counts the attempt on some keys
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, which PostgreSQL
serialises per key, so concurrent attempts on two replicas never lose a
count) and reads others without counting them (a login's past failures).
A counter whose window has passed starts again at 1.
"""

import hashlib
import random
from dataclasses import dataclass

from app.core import messages, security_events
from app.core.client_address import throttle_bucket
from app.core.config import Throttle as ThrottleSettings
from app.core.database import Database
from app.core.email_address import canonical_email
from app.core.errors import TooManyAttemptsError

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


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the counters say of one attempt: refused when `retry_after_secs` > 0."""

    retry_after_secs: int
    account_count: int


def account_key(action: str, email: str) -> str:
    """The key of an account's counter: a hash, so the table holds no email in clear.

    In the form the users table compares emails, and whether or not the
    account exists, so that throttling tells nothing about who is registered.
    """
    canonical = canonical_email(email).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(canonical).hexdigest()
    return f"{action}:account:{digest[:32]}"


def address_key(action: str, address: str) -> str:
    return f"{action}:address:{address}"


def judge(
    counters: list[Counter], *, address_key: str, settings: ThrottleSettings, counted_account: bool
) -> Verdict:
    """The verdict on an attempt, from its counters after counting it."""
    account_count = 0
    retry_after = 0
    for counter in counters:
        if counter.key == address_key:
            over = counter.count > settings.requests_per_address
        else:
            account_count = counter.count
            # A read count of failures already made refuses the next attempt
            # once it reaches the limit; a counted one passes it.
            limit = settings.login_failures_per_account - (0 if counted_account else 1)
            over = counter.count > limit
        if over:
            retry_after = max(retry_after, counter.retry_after_secs)
    return Verdict(retry_after_secs=retry_after, account_count=account_count)


class Throttle:
    """The counters of one process: its database and its limits."""

    def __init__(self, *, db: Database, settings: ThrottleSettings) -> None:
        self.db = db
        self.settings = settings

    async def _count(self, *, counted: dict[str, int], read: list[str]) -> list[Counter]:
        """Count one attempt on each key of `counted` (key: window in seconds), read `read`."""
        rows = await self.db.fetch(
            _COUNT_AND_READ, list(counted), [float(secs) for secs in counted.values()], read
        )
        # About one check in `cleanup_every` also deletes expired counters.
        if random.randrange(self.settings.cleanup_every) == 0:  # noqa: S311 - not a secret
            await self.db.execute(_DELETE_EXPIRED)
        return [Counter(row["key"], row["count"], max(row["retry_after"], 1)) for row in rows]

    async def attempt(
        self, action: str, *, client: str, account: str, count_account: bool = True
    ) -> int:
        """Count an attempt at `action` on `account`; TooManyAttemptsError past a limit.

        `count_account=False` (login) only reads the account's failures, which
        `failed()` counts. Returns the account's count, 0 when throttling is off.
        """
        if not self.settings.enabled:
            return 0
        address = address_key(action, throttle_bucket(client))
        account_counter = account_key(action, account)
        counted = {address: self.settings.address_window_secs}
        if count_account:
            counted[account_counter] = self.settings.account_window_secs
        counters = await self._count(
            counted=counted, read=[] if count_account else [account_counter]
        )
        verdict = judge(
            counters, address_key=address, settings=self.settings, counted_account=count_account
        )
        if verdict.retry_after_secs:
            security_events.throttled(
                action=action, client=client, retry_after_secs=verdict.retry_after_secs
            )
            raise TooManyAttemptsError(
                messages.TOO_MANY_ATTEMPTS, retry_after_secs=verdict.retry_after_secs
            )
        return verdict.account_count

    async def failed(self, action: str, *, account: str) -> None:
        """Count a failed attempt against the account (a wrong password)."""
        if self.settings.enabled:
            await self._count(
                counted={account_key(action, account): self.settings.account_window_secs},
                read=[],
            )

    async def succeeded(self, action: str, *, account: str) -> None:
        """Forget the account's failures (call only when `attempt` returned some)."""
        await self.db.execute(_FORGET, account_key(action, account))
