"""Email verification and the one-time tokens of email links (verification, change).

Tokens carry 256 random bits and are stored only as their SHA-256 hash, one
per account and kind (`email_tokens`): a newer one replaces the older, and
spending one deletes its row, so each works once. Every lookup names its
kind, so a token of one kind is unknown to the other kind's endpoint.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.core import account_events, mail, messages
from app.core.background_jobs import BackgroundJobs
from app.core.client_address import Client
from app.core.config import Settings
from app.core.database import Database, Queryable
from app.core.errors import InvalidInputError
from app.core.security.secret_tokens import hash_secret_token, new_secret_token
from app.core.sessions import SessionUser
from app.core.throttle import Throttle

VERIFY = "verify"
CHANGE = "change"

ACCOUNT_COLUMNS = "user_id, email, is_active, is_superuser, created_at, email_verified, mfa_enabled"

# A verification token only for an active account not verified yet; the
# upsert keeps one row per account and kind. FOR KEY SHARE: an account being
# deleted meanwhile is waited for and then skipped (no token, no foreign-key
# error).
_ISSUE = """
INSERT INTO email_tokens (token_hash, user_id, kind, new_email, expires_at)
SELECT $1, user_id, $3, $4, now() + make_interval(secs => $5) FROM users
WHERE user_id = $2 AND is_active AND ($3 <> 'verify' OR NOT email_verified)
FOR KEY SHARE
ON CONFLICT (user_id, kind) DO UPDATE
SET token_hash = EXCLUDED.token_hash, new_email = EXCLUDED.new_email, created_at = now(),
    expires_at = EXCLUDED.expires_at
RETURNING (SELECT email FROM users WHERE users.user_id = email_tokens.user_id)
"""

# Deleting the row is what spends the token: of two requests with one
# token, only one gets it back.
_SPEND = """
DELETE FROM email_tokens AS t USING users AS u
WHERE t.token_hash = $1 AND t.kind = $2 AND t.expires_at > now()
  AND u.user_id = t.user_id AND u.is_active
RETURNING t.user_id, t.new_email, u.email AS old_email
"""

_MARK_VERIFIED = f"""
UPDATE users SET email_verified = true, updated_at = now() WHERE user_id = $1
RETURNING {ACCOUNT_COLUMNS}
"""


@dataclass(frozen=True, slots=True)
class Account:
    """A `User` as the API shows it."""

    user_id: uuid.UUID
    email: str
    is_active: bool
    is_superuser: bool
    created_at: datetime
    email_verified: bool
    mfa_enabled: bool


@dataclass(frozen=True, slots=True)
class SpentToken:
    user_id: uuid.UUID
    new_email: str | None
    old_email: str


async def issue_token(
    db: Queryable,
    *,
    user_id: uuid.UUID,
    kind: str,
    lifetime_secs: int,
    new_email: str | None = None,
) -> tuple[str, str] | None:
    """A new token of `kind` for the account, replacing its older one: (token, the
    account's current address), or None when the account may not have one."""
    token, token_hash = new_secret_token()
    recipient: str | None = await db.fetchval(
        _ISSUE, token_hash, user_id, kind, new_email, float(lifetime_secs)
    )
    return None if recipient is None else (token, recipient)


async def spend_token(db: Queryable, *, token: str, kind: str) -> SpentToken | None:
    """Spend a live token of `kind` of an active account; None if there is none."""
    row = await db.fetchrow(_SPEND, hash_secret_token(token), kind)
    return None if row is None else SpentToken(**dict(row))


async def send_verification(*, db: Database, settings: Settings, user_id: uuid.UUID) -> None:
    """Issue a verification token and mail its link, in the background; a verified
    (or deleted, or inactive) account is sent nothing."""
    lifetime_secs = settings.security.email_verification_token_expire_secs
    issued = await issue_token(db, user_id=user_id, kind=VERIFY, lifetime_secs=lifetime_secs)
    if issued is None:
        return
    token, recipient = issued
    await mail.deliver(
        settings=settings,
        template="verify_email",
        recipient=recipient,
        link=mail.page_link(public_url=settings.public_url, page="verify-email", token=token),
        valid_hours=-(-lifetime_secs // 3600),
    )


def queue_verification(
    *, db: Database, settings: Settings, jobs: BackgroundJobs, user_id: uuid.UUID
) -> None:
    jobs.spawn(
        send_verification(db=db, settings=settings, user_id=user_id),
        name="email verification",
    )


async def resend_verification(
    *,
    db: Database,
    settings: Settings,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    session: SessionUser,
) -> None:
    """Throttled like recovery; a verified address is sent nothing (the answer is the same)."""
    await throttle.request_for("verify", client=client.address, email=session.email)
    if not session.email_verified:
        queue_verification(db=db, settings=settings, jobs=jobs, user_id=session.user_id)


async def mark_verified(db: Queryable, *, user_id: uuid.UUID) -> Account:
    """The account, its address now verified.

    Called in the transaction that spent one of its tokens: the deletion of
    the account would cascade to that token's row, which this transaction
    holds, so the account is still there.
    """
    [row] = await db.fetch(_MARK_VERIFIED, user_id)
    return Account(**dict(row))


async def verify_email(*, db: Database, client: Client, token: str) -> Account:
    """Spend a verification token: the address is verified, and `email.verified` recorded."""
    async with db.transaction() as connection:
        spent = await spend_token(connection, token=token, kind=VERIFY)
        if spent is None:
            raise InvalidInputError(messages.INVALID_VERIFICATION_TOKEN)
        account = await mark_verified(connection, user_id=spent.user_id)
        await account_events.record(
            connection,
            user_id=spent.user_id,
            event_type=account_events.EMAIL_VERIFIED,
            client=client,
        )
    return account
