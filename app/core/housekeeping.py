"""Housekeeping: delete the rows that have outlived every use (`app purge`).

What goes, and when, is `KINDS`: a table that must be kept small is one more
entry there.

- Sessions, once no answer of the API depends on their row: a session
  without a row is refused exactly like a revoked one. Past the end of its
  refresh token (never later than the session's own end) a session's row
  still matters for an access token's lifetime, since its last access token
  was issued before that end and every request checks the row. A revoked
  session's row answers nothing new, and is kept for the refresh reuse grace
  only, the time within which a replay of its tokens is still taken for a
  race rather than theft. Both waits get `MARGIN_SECS` more, for the clocks
  of replicas and database, which are not quite the same.
- Recovery tokens, and email verification and email change tokens, past
  their expiry (a used one is deleted when used).
- Security events older than `SECURITY__EVENT_RETENTION_DAYS`.
- Throttle counters past their window (an expired counter counts as zero).
- Unconfirmed TOTP secrets, `mfa_token`s and passkey challenges past their
  expiry (a confirmed secret stays; used ones are deleted when used).

How, so that requests never wait for it:

- A run walks each table once in primary-key order, `batch_size` rows per
  statement, and deletes those of them that may go: each statement reads,
  locks and deletes at most `batch_size` rows, however large the table. It
  does not search by the rule's columns instead: `refresh_expires_at`
  changes at every refresh, and an index on it would turn the service's
  hottest update into one that rewrites every index of the table.
- Rows a request holds are skipped (`FOR UPDATE SKIP LOCKED`), never waited
  for: the next run deletes them.
- Each batch is a transaction that first takes `HOUSEKEEPING_LOCK` with
  `pg_try_advisory_xact_lock`; a run that finds it taken stops there and
  leaves the rest to the run that holds it, which walks every table to its
  end. So one run works at a time across processes and replicas, and no row
  is deleted or counted twice. The lock is transaction-level, not
  session-level, because the connection goes back to the pool after each
  batch: a session lock would have to be released by hand on every path, or
  the next request to get that connection would hold it for good; and behind
  PgBouncer in transaction mode consecutive transactions of one client may
  run on different server connections, where only a transaction's own lock
  means anything.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core import metrics
from app.core.config import Settings
from app.core.database import Database

logger = logging.getLogger(__name__)

# Any constant will do, as long as no other advisory lock of this database
# uses it (the migrations use 72_402_116, the superuser roster 72_402_117).
HOUSEKEEPING_LOCK = 72_402_118
# Seconds added to each wait before a row goes (see the module's docstring).
MARGIN_SECS = 60

_TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1)"

# $1 is the batch size, then come the kind's ages, then (after the first
# batch) the last key of the previous batch.
_BATCH = """
WITH scanned AS (
    SELECT {key}, ({condition}) AS expired FROM {table} {after} ORDER BY {key} LIMIT $1
), doomed AS (
    -- The condition again: FOR UPDATE checks it on the row as locked.
    SELECT {key} FROM {table}
    WHERE {key} IN (SELECT {key} FROM scanned WHERE expired) AND ({condition})
    FOR UPDATE SKIP LOCKED
), deleted AS (
    DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM doomed) RETURNING 1
)
SELECT (SELECT count(*) FROM scanned) AS scanned,
       (SELECT {key} FROM scanned ORDER BY {key} DESC LIMIT 1) AS last,
       (SELECT count(*) FROM deleted) AS deleted
"""


def _no_ages(_: Settings) -> tuple[float, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class Kind:
    """The rows of one table that have outlived every use."""

    name: str  # the `kind` label of the metrics
    singular: str
    plural: str
    table: str
    key: str  # the primary key (one column), which a run walks in order
    # SQL over the table's columns, true for a row that may go; $2, $3...
    # are the ages, in seconds, that `ages` computes from the settings.
    condition: str
    ages: Callable[[Settings], tuple[float, ...]] = field(default=_no_ages)

    def statement(self, *, cursor_parameter: int | None) -> str:
        """One batch: from the start, or after the key in `$<cursor_parameter>`."""
        after = "" if cursor_parameter is None else f"WHERE {self.key} > ${cursor_parameter}"
        return _BATCH.format(key=self.key, table=self.table, after=after, condition=self.condition)

    def counted(self, number: int) -> str:
        return f"{number} {self.singular if number == 1 else self.plural}"


def _session_ages(settings: Settings) -> tuple[float, ...]:
    security = settings.security
    return (
        float(security.refresh_reuse_grace_secs + MARGIN_SECS),
        float(security.access_token_expire_secs + MARGIN_SECS),
    )


def _event_retention(settings: Settings) -> tuple[float, ...]:
    return (float(settings.security.event_retention_days * 86400),)


KINDS = (
    Kind(
        name="sessions",
        singular="session",
        plural="sessions",
        table="user_sessions",
        key="session_id",
        condition="revoked_at < now() - make_interval(secs => $2)"
        " OR least(refresh_expires_at, expires_at) < now() - make_interval(secs => $3)",
        ages=_session_ages,
    ),
    Kind(
        name="recovery_tokens",
        singular="recovery token",
        plural="recovery tokens",
        table="password_reset_tokens",
        key="token_hash",
        condition="expires_at < now()",
    ),
    Kind(
        name="email_tokens",
        singular="email token",
        plural="email tokens",
        table="email_tokens",
        key="token_hash",
        condition="expires_at < now()",
    ),
    Kind(
        name="security_events",
        singular="security event",
        plural="security events",
        table="security_events",
        key="event_id",
        condition="at < now() - make_interval(secs => $2)",
        ages=_event_retention,
    ),
    Kind(
        name="throttle_counters",
        singular="throttle counter",
        plural="throttle counters",
        table="throttle_counters",
        key="key",
        condition="expires_at <= now()",
    ),
    Kind(
        name="pending_totp_secrets",
        singular="pending TOTP secret",
        plural="pending TOTP secrets",
        table="totp_factors",
        key="user_id",
        condition="confirmed_at IS NULL AND expires_at < now()",
    ),
    Kind(
        name="mfa_login_attempts",
        singular="MFA login attempt",
        plural="MFA login attempts",
        table="mfa_login_attempts",
        key="token_hash",
        condition="expires_at < now()",
    ),
    Kind(
        name="passkey_challenges",
        singular="passkey challenge",
        plural="passkey challenges",
        table="webauthn_challenges",
        key="challenge_hash",
        condition="expires_at < now()",
    ),
)


@dataclass(frozen=True, slots=True)
class Purged:
    """What one run deleted, by kind name (every kind of `KINDS`)."""

    deleted: dict[str, int]
    # It stopped for a run of another process, which deletes the rest.
    yielded: bool

    def summary(self) -> str:
        counts = ", ".join(kind.counted(self.deleted[kind.name]) for kind in KINDS)
        tail = " Another purge is running: it deletes the rest." if self.yielded else ""
        return f"Purged: {counts}.{tail}"


async def _batch(*, db: Database, statement: str, arguments: list[Any]) -> Any:
    """One batch in its own transaction: its counts, or None if another run holds the lock."""
    async with db.transaction() as connection:
        if not await connection.fetchval(_TRY_LOCK, HOUSEKEEPING_LOCK):
            return None
        return await connection.fetchrow(statement, *arguments)


async def _purge_kind(*, db: Database, settings: Settings, kind: Kind) -> tuple[int, bool]:
    """(rows of `kind` deleted, whether the run stopped for another one)."""
    batch_size = settings.housekeeping.batch_size
    ages = kind.ages(settings)
    statement = kind.statement(cursor_parameter=None)
    after_cursor = kind.statement(cursor_parameter=len(ages) + 2)
    arguments: list[Any] = [batch_size, *ages]
    deleted = 0
    while True:
        row = await _batch(db=db, statement=statement, arguments=arguments)
        if row is None:
            return deleted, True
        # Counted once committed, batch by batch: a run that fails midway
        # still reports what it did.
        metrics.HOUSEKEEPING_DELETED_ROWS.labels(kind.name).inc(row["deleted"])
        deleted += row["deleted"]
        if row["scanned"] < batch_size:
            return deleted, False
        statement = after_cursor
        arguments = [batch_size, *ages, row["last"]]


async def purge(*, db: Database, settings: Settings) -> Purged:
    """One run over every kind, in batches; stops where it meets a run of another process."""
    deleted = dict.fromkeys((kind.name for kind in KINDS), 0)
    yielded = False
    try:
        for kind in KINDS:
            deleted[kind.name], yielded = await _purge_kind(db=db, settings=settings, kind=kind)
            if yielded:
                break
    except Exception:
        metrics.HOUSEKEEPING_RUNS.labels("failed").inc()
        raise
    metrics.HOUSEKEEPING_RUNS.labels("yielded" if yielded else "completed").inc()
    metrics.HOUSEKEEPING_LAST_RUN.set_to_current_time()
    return Purged(deleted=deleted, yielded=yielded)


async def purge_periodically(*, db: Database, settings: Settings) -> None:
    """Purge every `interval_secs` while the service runs, unless switched off; never raises.

    The first run comes after a random fraction of the interval, so that
    replicas started together do not all try at once.
    """
    housekeeping = settings.housekeeping
    if not housekeeping.enabled:
        return
    delay = random.uniform(0, housekeeping.interval_secs)  # noqa: S311 - not a secret
    while True:
        await asyncio.sleep(delay)
        delay = housekeeping.interval_secs
        try:
            purged = await purge(db=db, settings=settings)
        except Exception:
            logger.exception("Housekeeping failed; next run in %s s", delay)
        else:
            logger.info("%s", purged.summary(), extra={"event": "housekeeping"})
