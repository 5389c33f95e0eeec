"""Account recovery by email: one-time tokens, the message that carries them, the reset.

Recovery tokens carry 256 random bits and are stored only as their SHA-256
hash (a fast hash suffices for full-entropy secrets, as for refresh tokens).
There is at most one per user: a newer request replaces the older token, and
a reset deletes the token it uses, so each works once.
"""

import logging
from datetime import UTC, datetime, timedelta

from app.core import (
    account_events,
    accounts,
    email_verification,
    mail,
    messages,
    security_events,
    sessions,
)
from app.core.background_jobs import BackgroundJobs
from app.core.client_address import Client
from app.core.config import Settings
from app.core.database import Database
from app.core.email_address import canonical_email
from app.core.errors import InvalidInputError
from app.core.security.password import PasswordHashing
from app.core.security.secret_tokens import hash_secret_token, new_secret_token
from app.core.throttle import Throttle

logger = logging.getLogger(__name__)

# Only known, active accounts get a token; the upsert keeps one row per user.
_ISSUE = """
INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)
SELECT $2, user_id, $3 FROM users WHERE email_canonical = $1 AND is_active
ON CONFLICT (user_id) DO UPDATE
SET token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at
RETURNING (SELECT email FROM users WHERE users.user_id = password_reset_tokens.user_id)
"""

# Deleting the token row is what spends it: of two resets with one token,
# only one gets its row back.
_FIND = """
SELECT t.user_id FROM password_reset_tokens AS t JOIN users AS u ON u.user_id = t.user_id
WHERE t.token_hash = $1 AND t.expires_at > now() AND u.is_active
"""
_SPEND = """
DELETE FROM password_reset_tokens AS t USING users AS u
WHERE t.token_hash = $1 AND t.expires_at > now() AND u.user_id = t.user_id AND u.is_active
RETURNING t.user_id
"""


async def issue_recovery_token(
    *, db: Database, email: str, token_hash: bytes, expires_at: datetime
) -> str | None:
    """Store a token for the active account of `email`: its stored address, or None.

    `email` has passed the request's email validation, so the database can
    take it as it is.
    """
    recipient: str | None = await db.fetchval(
        _ISSUE, canonical_email(email), token_hash, expires_at
    )
    return recipient


async def send_recovery_email(*, db: Database, settings: Settings, email: str) -> None:
    """Issue a token and mail it, run in the background: unknown emails do nothing.

    Running lookup and sending after the response has gone out is what keeps
    the answer for a known email exactly as fast as for an unknown one.
    """
    token, token_hash = new_secret_token()
    lifetime_secs = settings.security.password_reset_token_expire_secs
    recipient = await issue_recovery_token(
        db=db,
        email=email,
        token_hash=token_hash,
        expires_at=datetime.now(UTC) + timedelta(seconds=lifetime_secs),
    )
    if recipient is None:
        return
    await mail.deliver(
        settings=settings,
        template="reset_password",
        recipient=recipient,
        link=mail.page_link(public_url=settings.public_url, page="reset-password", token=token),
        valid_minutes=-(-lifetime_secs // 60),
    )


async def request_password_recovery(
    *,
    db: Database,
    settings: Settings,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    email: str,
) -> None:
    """Throttle the request, then mail a link in the background, if the account exists.

    Requests are throttled per client address and per target email alike,
    known or not, so neither the answer nor a 429 tells who has an account.
    """
    await throttle.request_for("recovery", client=client.address, email=email)
    jobs.spawn(
        send_recovery_email(db=db, settings=settings, email=email),
        name="password recovery email",
    )


async def reset_password(
    *,
    db: Database,
    settings: Settings,
    hashing: PasswordHashing,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    token: str,
    new_password: str,
) -> None:
    """Spend `token`, set the password, revoke every session, mark the address
    verified (the link proved it) and record `password.reset`, in one transaction.

    The token is looked up before any hashing, so a guessed token costs one
    indexed query; no session survives a password it was not opened with.
    The address gets a notice.
    """
    await throttle.attempt("reset", client=client.address)
    token_hash = hash_secret_token(token)
    if await db.fetchval(_FIND, token_hash) is None:
        raise InvalidInputError(messages.INVALID_RESET_TOKEN)
    password_hash = await hashing.hash(new_password)
    async with db.transaction() as connection:
        user_id = await connection.fetchval(_SPEND, token_hash)
        if user_id is None:  # spent by a concurrent reset meanwhile
            raise InvalidInputError(messages.INVALID_RESET_TOKEN)
        await accounts.set_password_hash(
            db=connection, user_id=user_id, password_hash=password_hash
        )
        await sessions.revoke_all_sessions(db=connection, user_id=user_id)
        account = await email_verification.mark_verified(connection, user_id=user_id)
        await account_events.record(
            connection, user_id=user_id, event_type=account_events.PASSWORD_RESET, client=client
        )
    security_events.password_changed(user_id=user_id)
    security_events.sessions_revoked(user_id=user_id, reason="password_reset")
    mail.queue_email(
        jobs=jobs,
        settings=settings,
        template="password_reset",
        recipient=account.email,
        client_ip=client.ip_address,
        client_user_agent=client.user_agent,
    )
