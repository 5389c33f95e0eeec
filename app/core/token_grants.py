"""The OAuth2 grants: password (opens a session) and refresh_token (rotates it)."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from app.core import accounts, messages, security_events, sessions
from app.core.client_address import Client
from app.core.config import Security
from app.core.errors import InvalidGrantError
from app.core.security.secret_tokens import hash_secret_token, new_secret_token
from app.core.services import Services


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
    *, services: Services, client: Client, email: str, password: str
) -> IssuedTokens:
    """Open a session: throttled, and unknown, wrong and inactive all fail alike.

    The throttle is checked before the costly hash, so a throttled guess gets
    no answer and costs no CPU; each failure counts against the account, and
    a success forgets its failures.
    """
    throttle = services.throttle
    failures = await throttle.attempt(
        "login", client=client.address, account=email, count_account=False
    )
    try:
        tokens = await _check_password_and_open_session(
            services=services, email=email, password=password
        )
    except InvalidGrantError:
        await throttle.failed("login", account=email)
        raise
    if failures:
        await throttle.succeeded("login", account=email)
    return tokens


async def _check_password_and_open_session(
    *, services: Services, email: str, password: str
) -> IssuedTokens:
    db, settings = services.database, services.settings.security
    credentials = await accounts.find_credentials(db=db, email=email)
    matches, upgraded_hash = await services.password_hashing.verify(
        credentials.password_hash if credentials else None, password
    )
    if credentials is None or not matches or not credentials.is_active:
        security_events.login_failed(user_id=credentials.user_id if credentials else None)
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD)
    if upgraded_hash is not None:
        await accounts.set_password_hash(
            db=db, user_id=credentials.user_id, password_hash=upgraded_hash
        )
    refresh_token, refresh_hash = new_secret_token()
    refresh_expires_at, refresh_expires_unix = _refresh_expiry(settings)
    try:
        session_id = await sessions.open_session(
            db=db,
            user_id=credentials.user_id,
            refresh_token_hash=refresh_hash,
            refresh_expires_at=refresh_expires_at,
        )
    except asyncpg.ForeignKeyViolationError as error:
        # The account was deleted between the password check and now.
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD) from error
    access_token, expires_at = services.access_tokens.issue(
        user_id=credentials.user_id, session_id=session_id, amr=["pwd"]
    )
    security_events.login_succeeded(user_id=credentials.user_id)
    return IssuedTokens(access_token, expires_at, refresh_token, refresh_expires_unix)


async def refresh_grant(*, services: Services, refresh_token: str) -> IssuedTokens:
    """Spend `refresh_token` for a successor in the same session (RFC 9700 rotation)."""
    db, settings = services.database, services.settings.security
    token_hash = hash_secret_token(refresh_token)
    successor, successor_hash = new_secret_token()
    successor_expires_at, successor_expires_unix = _refresh_expiry(settings)
    try:
        rotated = await sessions.rotate_refresh_token(
            db=db,
            token_hash=token_hash,
            successor_hash=successor_hash,
            successor_expires_at=successor_expires_at,
        )
    except asyncpg.DeadlockDetectedError:
        # The session is being deleted (with its user) while this request
        # runs, by a deletion that takes the session row before its tokens:
        # the rotation holds the token row and waits for the session row, and
        # PostgreSQL fails one of the two.
        rotated = None
    if rotated is None:
        revoked = await sessions.revoke_session_if_replayed(
            db=db, token_hash=token_hash, grace_secs=settings.refresh_reuse_grace_secs
        )
        if revoked is not None:
            security_events.refresh_token_reused(session_id=revoked[0], user_id=revoked[1])
        security_events.refresh_failed()
        raise InvalidGrantError(messages.INVALID_REFRESH_TOKEN)
    session_id, user_id = rotated
    security_events.refresh_succeeded()
    # A session keeps the methods of the login that opened it; a password
    # login is the only kind there is so far.
    access_token, expires_at = services.access_tokens.issue(
        user_id=user_id, session_id=session_id, amr=["pwd"]
    )
    return IssuedTokens(access_token, expires_at, successor, successor_expires_unix)


async def logout(*, services: Services, refresh_token: str) -> None:
    """Revoke the session of this refresh token (spent or not); unknown tokens are no error."""
    await sessions.revoke_session_by_refresh_token(
        db=services.database, token_hash=hash_secret_token(refresh_token)
    )


async def logout_all(*, services: Services, session: sessions.SessionUser) -> None:
    """Revoke every session of the signed-in user, this one included."""
    await sessions.revoke_all_sessions(db=services.database, user_id=session.user_id)
    security_events.sessions_revoked(user_id=session.user_id, reason="logout_all")
