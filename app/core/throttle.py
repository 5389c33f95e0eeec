"""Throttling of credential guessing: fixed-window counters in PostgreSQL, shared by every replica.

Every attempt counts against the client's address. A password check (a
login, or a current password) counts against the account from that address
and against the account from everywhere, before the password is checked, so
parallel guesses get at most the limit of checks and the rest 429 without
hashing; a success takes its count back and forgets the address's failures.
Registration and recovery requests count against the email they name. Over a
limit, `TooManyAttemptsError` with the same message whether the account
exists or not, decided before the account is looked up.

A check is one statement, one round trip: it counts the attempt on every key
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, which PostgreSQL
serialises per key, so concurrent attempts on two replicas never lose a
count). A counter whose window has passed starts again at 1; the
housekeeping (`app purge`) deletes expired ones.
"""

import hashlib
import uuid
from dataclasses import dataclass

from app.core import messages, security_events
from app.core.client_address import throttle_bucket
from app.core.config import Throttle as ThrottleSettings
from app.core.database import Database
from app.core.email_address import canonical_email
from app.core.errors import TooManyAttemptsError

_COUNT = """
INSERT INTO throttle_counters AS c (key, expires_at, count)
SELECT key, now() + make_interval(secs => secs), 1
FROM unnest($1::text[], $2::float8[]) AS attempt(key, secs)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires_at > now() THEN c.count + 1 ELSE 1 END,
    expires_at = CASE WHEN c.expires_at > now() THEN c.expires_at ELSE excluded.expires_at END
RETURNING c.key, c.count, ceil(extract(epoch FROM c.expires_at - now()))::int AS retry_after
"""

# A password check that succeeded: the address's failures on the account are
# forgotten, and the account-wide count gives back the attempt it counted.
_SUCCEEDED = """
WITH forgotten AS (DELETE FROM throttle_counters WHERE key = $1)
UPDATE throttle_counters SET count = count - 1 WHERE key = $2 AND count > 0
"""

# A second-factor code that was right gives back the attempt it counted.
_GIVE_BACK = "UPDATE throttle_counters SET count = count - 1 WHERE key = $1 AND count > 0"


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    count: int
    retry_after_secs: int


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` attempts per `window_secs` on one key."""

    count: int
    window_secs: int


def account_key(action: str, email: str) -> str:
    """The key of an account's counter: a hash, so the table holds no email in clear.

    In the form the users table compares emails, and whether or not the
    account exists, so that throttling tells nothing about who is registered.
    """
    canonical = canonical_email(email).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(canonical).hexdigest()
    return f"{action}:account:{digest[:32]}"


def address_key(action: str, client: str) -> str:
    return f"{action}:address:{throttle_bucket(client)}"


def account_and_address_key(action: str, email: str, client: str) -> str:
    return f"{account_key(action, email)}:{throttle_bucket(client)}"


def user_key(action: str, user_id: uuid.UUID) -> str:
    """The key of a counter of a known account (second-factor codes)."""
    return f"{action}:user:{user_id}"


def judge(counters: list[Counter], limits: dict[str, Limit]) -> int:
    """The verdict on an attempt, from its counters after counting it: 0 to let it
    through, else the seconds until the first counter over its limit resets."""
    over = [c.retry_after_secs for c in counters if c.count > limits[c.key].count]
    return max(over, default=0)


class Throttle:
    """The counters of one process: its database and its limits."""

    def __init__(self, *, db: Database, settings: ThrottleSettings) -> None:
        self.db = db
        self.settings = settings

    async def _attempt(self, action: str, client: str, limits: dict[str, Limit]) -> None:
        """Count one attempt on every key of `limits`; TooManyAttemptsError past one."""
        if not self.settings.enabled:
            return
        rows = await self.db.fetch(
            _COUNT, list(limits), [float(limit.window_secs) for limit in limits.values()]
        )
        counters = [Counter(row["key"], row["count"], max(row["retry_after"], 1)) for row in rows]
        retry_after = judge(counters, limits)
        if retry_after:
            security_events.throttled(action=action, client=client, retry_after_secs=retry_after)
            # Only the first refusal: a flood of guesses records one event, not one each.
            newly = any(
                c.count == limits[c.key].count + 1 and ":account:" in c.key for c in counters
            )
            raise TooManyAttemptsError(
                messages.TOO_MANY_ATTEMPTS,
                retry_after_secs=retry_after,
                account_newly_limited=newly,
            )

    def _per_address(self, action: str, client: str) -> dict[str, Limit]:
        limit = Limit(self.settings.requests_per_address, self.settings.address_window_secs)
        return {address_key(action, client): limit}

    async def attempt(self, action: str, *, client: str) -> None:
        """An attempt that names no account (a reset token, a form that names none)."""
        await self._attempt(action, client, self._per_address(action, client))

    async def request_for(self, action: str, *, client: str, email: str) -> None:
        """A registration or recovery request for `email`."""
        settings = self.settings
        await self._attempt(
            action,
            client,
            {
                **self._per_address(action, client),
                account_key(action, email): Limit(
                    settings.requests_per_account, settings.account_window_secs
                ),
            },
        )

    async def password_check(self, *, client: str, email: str) -> None:
        """Count a password check of the account of `email` before it is made."""
        settings = self.settings
        window = settings.account_window_secs
        await self._attempt(
            "login",
            client,
            {
                **self._per_address("login", client),
                account_and_address_key("login", email, client): Limit(
                    settings.login_failures_per_account_and_address, window
                ),
                account_key("login", email): Limit(settings.login_failures_per_account, window),
            },
        )

    async def password_check_succeeded(self, *, client: str, email: str) -> None:
        """The password was right: it was no failure of the account."""
        if self.settings.enabled:
            await self.db.execute(
                _SUCCEEDED,
                account_and_address_key("login", email, client),
                account_key("login", email),
            )

    async def code_check(self, *, client: str, user_id: uuid.UUID) -> None:
        """Count a second-factor code check of the account before it is made.

        The address is counted apart (`attempt("mfa", ...)`), once per call.
        """
        settings = self.settings
        limit = Limit(settings.mfa_failures_per_account, settings.account_window_secs)
        await self._attempt("mfa", client, {user_key("mfa", user_id): limit})

    async def code_check_succeeded(self, *, user_id: uuid.UUID) -> None:
        """The code was right: it was no failure of the account."""
        if self.settings.enabled:
            await self.db.execute(_GIVE_BACK, user_key("mfa", user_id))
