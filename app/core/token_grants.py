"""The two OAuth2 grants: password (opens a session) and refresh_token (rotates it)."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from app.api import api_messages
from app.core import accounts, security_events, sessions
from app.core.config import Security
from app.core.security.jwt import AccessTokens
from app.core.security.password import PasswordHashing
from app.core.security.refresh_token import hash_refresh_token, new_refresh_token


class InvalidGrantError(Exception):
    """RFC 6749 `invalid_grant`: wrong credentials or an unusable refresh token."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_at: int
    refresh_token: str
    refresh_token_expires_at: int


def _refresh_expiry(settings: Security) -> tuple[datetime, int]:
    expires_at = int(time.time()) + settings.refresh_token_expire_secs
    return datetime.fromtimestamp(expires_at, UTC), expires_at


async def password_grant(
    *,
    pool: asyncpg.Pool,
    hashing: PasswordHashing,
    access_tokens: AccessTokens,
    settings: Security,
    email: str,
    password: str,
) -> IssuedTokens:
    """Open a session. Unknown, wrong and inactive all fail alike, after the same work."""
    credentials = await accounts.find_credentials(pool=pool, email=email)
    matches, upgraded_hash = await hashing.verify(
        credentials.password_hash if credentials else None, password
    )
    if credentials is None or not matches or not credentials.is_active:
        security_events.login_failed(user_id=credentials.user_id if credentials else None)
        raise InvalidGrantError(api_messages.INCORRECT_EMAIL_OR_PASSWORD)
    if upgraded_hash is not None:
        await accounts.store_password_hash(
            pool=pool, user_id=credentials.user_id, password_hash=upgraded_hash
        )
    refresh_token, refresh_hash = new_refresh_token()
    refresh_expires_at, refresh_expires_unix = _refresh_expiry(settings)
    try:
        session_id = await sessions.open_session(
            pool=pool,
            user_id=credentials.user_id,
            refresh_token_hash=refresh_hash,
            refresh_expires_at=refresh_expires_at,
        )
    except asyncpg.ForeignKeyViolationError as error:
        # The account was deleted between the password check and now.
        raise InvalidGrantError(api_messages.INCORRECT_EMAIL_OR_PASSWORD) from error
    access_token, expires_at = access_tokens.issue(
        user_id=credentials.user_id, session_id=session_id
    )
    security_events.login_succeeded(user_id=credentials.user_id)
    return IssuedTokens(access_token, expires_at, refresh_token, refresh_expires_unix)


async def refresh_grant(
    *,
    pool: asyncpg.Pool,
    access_tokens: AccessTokens,
    settings: Security,
    refresh_token: str,
) -> IssuedTokens:
    """Spend `refresh_token` for a successor in the same session (RFC 9700 rotation)."""
    token_hash = hash_refresh_token(refresh_token)
    successor, successor_hash = new_refresh_token()
    successor_expires_at, successor_expires_unix = _refresh_expiry(settings)
    try:
        rotated = await sessions.rotate_refresh_token(
            pool=pool,
            token_hash=token_hash,
            successor_hash=successor_hash,
            successor_expires_at=successor_expires_at,
        )
    except asyncpg.DeadlockDetectedError:
        # The session is being deleted (with its user) while this request
        # runs, by a deletion that takes the session row before its tokens
        # (a cascade from `users`; accounts.delete_user avoids that order):
        # the rotation holds the token row and waits for the session row, and
        # PostgreSQL fails one of the two. (No foreign-key violation can
        # happen here: deleting the session must first take the token row.)
        rotated = None
    if rotated is None:
        revoked = await sessions.revoke_session_if_replayed(
            pool=pool, token_hash=token_hash, grace_secs=settings.refresh_reuse_grace_secs
        )
        if revoked is not None:
            security_events.refresh_token_reused(session_id=revoked[0], user_id=revoked[1])
        security_events.refresh_failed()
        raise InvalidGrantError(api_messages.INVALID_REFRESH_TOKEN)
    session_id, user_id = rotated
    security_events.refresh_succeeded()
    access_token, expires_at = access_tokens.issue(user_id=user_id, session_id=session_id)
    return IssuedTokens(access_token, expires_at, successor, successor_expires_unix)
