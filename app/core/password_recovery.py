"""Account recovery by email: one-time tokens, the message that carries them, the reset.

Recovery tokens carry 256 random bits and are stored only as their SHA-256
hash (a fast hash suffices for full-entropy secrets, as for refresh tokens).
There is at most one per user: a newer request replaces the older token, and
a reset deletes the token it uses, so each works once.
"""

import hashlib
import html
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import asyncpg

from app.core.config import Settings
from app.core.email import OutgoingEmail, send_email

logger = logging.getLogger(__name__)

RECOVERY_TOKEN_BYTES = 32
EMAIL_SUBJECT = "Reset your password"

# Only known, active accounts get a token; the upsert keeps one row per user.
_ISSUE = """
INSERT INTO password_reset_tokens (token_hash, user_id, expires_at)
SELECT $2, user_id, $3 FROM users WHERE lower(email) = lower($1) AND is_active
ON CONFLICT (user_id) DO UPDATE
SET token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at
RETURNING (SELECT email FROM users WHERE users.user_id = password_reset_tokens.user_id)
"""

# Spend the token, set the password and revoke every session in one
# statement: two resets with one token cannot both win, and no session
# survives a password it was not opened with.
_RESET = """
WITH spent AS (
    DELETE FROM password_reset_tokens WHERE token_hash = $1 AND expires_at > now()
    RETURNING user_id
), updated AS (
    UPDATE users SET password_hash = $2, updated_at = now()
    FROM spent WHERE users.user_id = spent.user_id AND users.is_active
    RETURNING users.user_id
), revoked AS (
    UPDATE user_sessions SET revoked_at = now()
    FROM updated WHERE user_sessions.user_id = updated.user_id AND revoked_at IS NULL
)
SELECT user_id FROM updated
"""


def hash_recovery_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def recovery_link(*, public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/reset-password?{urlencode({'token': token})}"


def recovery_email(*, recipient: str, link: str, valid_minutes: int) -> OutgoingEmail:
    text = (
        "Someone asked to reset the password of your account. If it was you, open\n"
        f"this link within {valid_minutes} minutes to choose a new password:\n\n"
        f"{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    link_html = html.escape(link, quote=True)
    body_html = (
        "<p>Someone asked to reset the password of your account. If it was you, "
        f"open this link within {valid_minutes} minutes to choose a new password:</p>"
        f'<p><a href="{link_html}">{link_html}</a></p>'
        "<p>If it was not you, ignore this message: your password stays as it is.</p>"
    )
    return OutgoingEmail(recipient=recipient, subject=EMAIL_SUBJECT, text=text, html=body_html)


async def issue_recovery_token(
    *, pool: asyncpg.Pool, email: str, token_hash: bytes, expires_at: datetime
) -> str | None:
    """Store a token for the active account of `email`: its stored address, or None.

    `email` has passed email validation (no NUL, at most 254 characters), so
    the database can take it as it is.
    """
    recipient: str | None = await pool.fetchval(_ISSUE, email, token_hash, expires_at)
    return recipient


async def request_password_recovery(*, pool: asyncpg.Pool, settings: Settings, email: str) -> None:
    """The whole recovery request, run in the background: unknown emails do nothing.

    Running lookup and sending after the response has gone out is what keeps
    the answer for a known email exactly as fast as for an unknown one.
    """
    token = secrets.token_urlsafe(RECOVERY_TOKEN_BYTES)
    lifetime_secs = settings.security.password_reset_token_expire_secs
    recipient = await issue_recovery_token(
        pool=pool,
        email=email,
        token_hash=hash_recovery_token(token),
        expires_at=datetime.now(UTC) + timedelta(seconds=lifetime_secs),
    )
    if recipient is None:
        return
    link = recovery_link(public_url=settings.public_url, token=token)
    await send_email(
        settings=settings,
        email=recovery_email(recipient=recipient, link=link, valid_minutes=-(-lifetime_secs // 60)),
    )


async def reset_password(*, pool: asyncpg.Pool, token: str, password_hash: str) -> uuid.UUID | None:
    """Spend `token` and set the password: the user's id, or None for a bad token."""
    user_id: uuid.UUID | None = await pool.fetchval(
        _RESET, hash_recovery_token(token), password_hash
    )
    return user_id
