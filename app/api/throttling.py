"""Throttling of credential guessing: the `ThrottleDep` dependency of the auth endpoints.

Every attempt counts against the client's address; attempts also count
against the account they target: each registration or recovery request, and
each *failed* login (a success forgets the account's failures, so that a
user who mistyped a few times keeps their full allowance). Over a limit,
429 with `Retry-After` and one fixed body, decided before the account is
looked up, so the answer is the same whether it exists or not.

Usage, in an endpoint that takes `throttle: ThrottleDep`:
    await throttle.attempt("recovery", account=body.email)
"""

import random
from typing import Annotated

import asyncpg
from fastapi import Depends, HTTPException, Request, status

from app.api import api_messages
from app.api.deps import PoolDep, SettingsDep
from app.core import security_events, throttle
from app.core.client_address import client_address, throttle_bucket
from app.core.config import Throttle as ThrottleSettings
from app.schemas.responses import ErrorResponse


class TooManyAttemptsError(HTTPException):
    def __init__(self, retry_after_secs: int) -> None:
        super().__init__(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=api_messages.TOO_MANY_ATTEMPTS,
            headers={"Retry-After": str(retry_after_secs)},
        )


class Throttle:
    """The throttle as seen by one request: its pool, its settings, its client."""

    def __init__(self, *, pool: asyncpg.Pool, settings: ThrottleSettings, client: str) -> None:
        self.pool = pool
        self.settings = settings
        self.client = client

    async def attempt(self, action: str, *, account: str, count_account: bool = True) -> int:
        """Count an attempt at `action` on `account`; 429 when a limit is passed.

        `count_account=False` (login) only reads the account's failures, which
        `failed()` counts. Returns the account's count, 0 when throttling is off.
        """
        if not self.settings.enabled:
            return 0
        address_key = throttle.address_key(action, throttle_bucket(self.client))
        account_key = throttle.account_key(action, account)
        counted = {address_key: self.settings.address_window_secs}
        if count_account:
            counted[account_key] = self.settings.account_window_secs
        counters = await throttle.count_attempt(
            pool=self.pool, counted=counted, read=[] if count_account else [account_key]
        )
        # About one check in `cleanup_every` also deletes expired counters.
        if random.randrange(self.settings.cleanup_every) == 0:  # noqa: S311 - not a secret
            await throttle.delete_expired(pool=self.pool)
        account_count = 0
        retry_after = 0
        for counter in counters:
            if counter.key == address_key:
                over = counter.count > self.settings.requests_per_address
            else:
                account_count = counter.count
                # A read count of failures already made refuses the next
                # attempt once it reaches the limit; a counted one passes it.
                limit = self.settings.login_failures_per_account - (0 if count_account else 1)
                over = counter.count > limit
            if over:
                retry_after = max(retry_after, counter.retry_after_secs)
        if retry_after:
            security_events.throttled(
                action=action, client=self.client, retry_after_secs=retry_after
            )
            raise TooManyAttemptsError(retry_after)
        return account_count

    async def failed(self, action: str, *, account: str) -> None:
        """Count a failed attempt against the account (a wrong password)."""
        if self.settings.enabled:
            await throttle.count_attempt(
                pool=self.pool,
                counted={throttle.account_key(action, account): self.settings.account_window_secs},
                read=[],
            )

    async def succeeded(self, action: str, *, account: str) -> None:
        """Forget the account's failures (call only when `attempt` returned some)."""
        await throttle.forget(pool=self.pool, key=throttle.account_key(action, account))


# `async def` like the accessors in deps.py: a plain `def` would cost every
# login a hop through FastAPI's worker threads for work without any I/O.
async def get_throttle(request: Request, pool: PoolDep, settings: SettingsDep) -> Throttle:
    return Throttle(
        pool=pool,
        settings=settings.throttle,
        client=client_address(request.scope, settings.security.trusted_proxies),
    )


ThrottleDep = Annotated[Throttle, Depends(get_throttle)]

# Listed in the `responses=` of every throttled endpoint.
THROTTLED_RESPONSE: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorResponse,
        "description": api_messages.TOO_MANY_ATTEMPTS,
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}
