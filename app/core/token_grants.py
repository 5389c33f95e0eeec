"""The OAuth2 grants: password (opens a session, or asks for a second factor) and
refresh_token (rotates it). `open_session` opens the sessions of every grant."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.core import accounts, messages, mfa_attempts, security_events, sessions
from app.core.client_address import Client
from app.core.errors import InvalidGrantError, MfaRequiredError
from app.core.services import Services


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_at: int
    refresh_token: str
    refresh_token_expires_at: int


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


async def password_grant(
    *, services: Services, client: Client, email: str, password: str
) -> IssuedTokens:
    """Open a session: throttled, and unknown, wrong and inactive all fail alike.

    The attempt is counted before the costly hash, so a throttled guess gets
    no answer and costs no CPU; a success takes its count back. An account
    with a second factor gets MfaRequiredError (its `mfa_token`) instead of
    a session.
    """
    throttle = services.throttle
    await throttle.password_check(client=client.address, email=email)
    credentials = await _check_password(services=services, email=email, password=password)
    await throttle.password_check_succeeded(client=client.address, email=email)
    if credentials.mfa_enabled:
        token = await mfa_attempts.start(db=services.database, user_id=credentials.user_id)
        raise MfaRequiredError(messages.MFA_REQUIRED, mfa_token=token)
    return await open_session(services=services, user_id=credentials.user_id, amr=["pwd"])


async def _check_password(*, services: Services, email: str, password: str) -> accounts.Credentials:
    db = services.database
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
    return credentials


async def open_session(*, services: Services, user_id: uuid.UUID, amr: list[str]) -> IssuedTokens:
    """A new session of a user whose login was proved by `amr` (RFC 8176), and its tokens."""
    settings = services.settings.security
    session_id = uuid.uuid4()
    try:
        refresh_expires_at = await sessions.open_session(
            db=services.database,
            session_id=session_id,
            user_id=user_id,
            lifetime_secs=settings.session_max_lifetime_secs,
            refresh_lifetime_secs=settings.refresh_token_expire_secs,
        )
    except asyncpg.ForeignKeyViolationError as error:
        # The account was deleted between the credential check and now.
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD) from error
    access_token, expires_at = services.access_tokens.issue(
        user_id=user_id, session_id=session_id, amr=amr
    )
    security_events.login_succeeded(user_id=user_id)
    refresh_token = services.refresh_tokens.issue(session_id=session_id, generation=0)
    return IssuedTokens(access_token, expires_at, refresh_token, _unix(refresh_expires_at))


async def refresh_grant(*, services: Services, refresh_token: str) -> IssuedTokens:
    """Spend `refresh_token` for its successor in the same session (RFC 9700 rotation).

    A token that is not genuine is refused before the database is asked, so
    a forged one can never revoke a session.
    """
    db, settings = services.database, services.settings.security
    claims = services.refresh_tokens.read(refresh_token)
    if claims is None:
        security_events.refresh_failed()
        raise InvalidGrantError(messages.INVALID_REFRESH_TOKEN)
    rotation = await sessions.rotate(
        db=db,
        session_id=claims.session_id,
        generation=claims.generation,
        refresh_lifetime_secs=settings.refresh_token_expire_secs,
    )
    if rotation is None:
        user_id = await sessions.revoke_if_replayed(
            db=db,
            session_id=claims.session_id,
            generation=claims.generation,
            grace_secs=settings.refresh_reuse_grace_secs,
        )
        if user_id is not None:
            security_events.refresh_token_reused(session_id=claims.session_id, user_id=user_id)
        security_events.refresh_failed()
        raise InvalidGrantError(messages.INVALID_REFRESH_TOKEN)
    security_events.refresh_succeeded()
    # A session keeps the methods of the login that opened it; a password
    # login is the only kind there is so far.
    access_token, expires_at = services.access_tokens.issue(
        user_id=rotation.user_id, session_id=claims.session_id, amr=["pwd"]
    )
    successor = services.refresh_tokens.issue(
        session_id=claims.session_id, generation=rotation.generation
    )
    return IssuedTokens(access_token, expires_at, successor, _unix(rotation.refresh_expires_at))


async def logout(*, services: Services, refresh_token: str) -> None:
    """Revoke the session of this refresh token (spent or not); unknown tokens are no error."""
    claims = services.refresh_tokens.read(refresh_token)
    if claims is not None:
        await sessions.revoke_by_refresh_token(
            db=services.database, session_id=claims.session_id, generation=claims.generation
        )


async def logout_all(*, services: Services, session: sessions.SessionUser) -> None:
    """Revoke every session of the signed-in user, this one included."""
    await sessions.revoke_all_sessions(db=services.database, user_id=session.user_id)
    security_events.sessions_revoked(user_id=session.user_id, reason="logout_all")
