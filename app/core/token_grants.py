"""The OAuth2 grants: password (opens a session) and refresh_token (rotates it).

`open_session_tokens()` is how every grant that signs in (the password grant
here, the second-factor and passkey grants) opens its session: one
statement opens it and records `login.succeeded`, then the tokens are issued
and, with NOTIFY__NEW_DEVICE_SIGN_IN, a notice is queued.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.core import (
    account_events,
    accounts,
    devices,
    mail,
    messages,
    mfa_attempts,
    security_events,
    sessions,
)
from app.core.client_address import Client
from app.core.email_address import canonical_email
from app.core.errors import InvalidGrantError, MfaRequiredError, TooManyAttemptsError
from app.core.services import Services
from app.models import MAX_EMAIL_LENGTH


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_at: int
    refresh_token: str
    refresh_token_expires_at: int


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def notice_context(client: Client) -> dict[str, str | None]:
    """What a notice tells of the request that caused it."""
    return {"client_ip": client.ip_address, "client_user_agent": client.user_agent}


async def password_grant(
    *, services: Services, client: Client, email: str, password: str
) -> IssuedTokens:
    """Open a session: throttled, and unknown, wrong and inactive all fail alike.

    The attempt is counted before the costly hash, so a throttled guess gets
    no answer and costs no CPU; a success takes its count back. A correct
    password for an unverified address opens nothing while
    SECURITY__REQUIRE_VERIFIED_EMAIL is on. An account with a second factor
    gets MfaRequiredError (its `mfa_token`) instead of a session.
    """
    throttle = services.throttle
    try:
        await throttle.password_check(client=client.address, email=email)
    except TooManyAttemptsError as error:
        # Recorded once per window, however many guesses follow.
        if error.account_newly_limited and accounts.is_storable_text(email, MAX_EMAIL_LENGTH):
            await account_events.record_for_email(
                services.database,
                email_canonical=canonical_email(email),
                event_type=account_events.LOGIN_THROTTLED,
                client=client,
            )
        raise
    credentials = await _check_password(
        services=services, client=client, email=email, password=password
    )
    await throttle.password_check_succeeded(client=client.address, email=email)
    if services.settings.security.require_verified_email and not credentials.email_verified:
        raise InvalidGrantError(messages.EMAIL_NOT_VERIFIED)
    if credentials.mfa_enabled:
        token = await mfa_attempts.start(db=services.database, user_id=credentials.user_id)
        raise MfaRequiredError(messages.MFA_REQUIRED, mfa_token=token)
    return await open_session_tokens(
        services=services,
        client=client,
        user_id=credentials.user_id,
        email=credentials.email,
        amr=["pwd"],
    )


async def _check_password(
    *, services: Services, client: Client, email: str, password: str
) -> accounts.Credentials:
    db = services.database
    credentials = await accounts.find_credentials(db=db, email=email)
    matches, upgraded_hash = await services.password_hashing.verify(
        credentials.password_hash if credentials else None, password
    )
    if credentials is None or not matches or not credentials.is_active:
        security_events.login_failed(user_id=credentials.user_id if credentials else None)
        if credentials is not None and not matches:
            await account_events.record(
                db,
                user_id=credentials.user_id,
                event_type=account_events.LOGIN_FAILED,
                client=client,
            )
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD)
    if upgraded_hash is not None:
        await accounts.set_password_hash(
            db=db, user_id=credentials.user_id, password_hash=upgraded_hash
        )
    return credentials


async def open_session_tokens(
    *, services: Services, client: Client, user_id: uuid.UUID, email: str, amr: list[str]
) -> IssuedTokens:
    """Open a session whose tokens carry `amr`, for a user whose sign-in was proved.

    InvalidGrantError (the usual message) when the account was deleted or
    deactivated meanwhile, or is unverified while verification is required.
    """
    settings = services.settings
    session_id = uuid.uuid4()
    try:
        opened = await sessions.open_session(
            db=services.database,
            session_id=session_id,
            user_id=user_id,
            lifetime_secs=settings.security.session_max_lifetime_secs,
            refresh_lifetime_secs=settings.security.refresh_token_expire_secs,
            amr=amr,
            client=client,
            require_verified_email=settings.security.require_verified_email,
            check_new_device=settings.notify.new_device_sign_in,
        )
    except asyncpg.ForeignKeyViolationError as error:
        # The account's deletion committed while the statement waited for its row.
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD) from error
    if opened is None:
        raise InvalidGrantError(messages.INCORRECT_EMAIL_OR_PASSWORD)
    access_token, expires_at = services.access_tokens.issue(
        user_id=user_id, session_id=session_id, amr=amr
    )
    security_events.login_succeeded(user_id=user_id)
    if opened.new_device:
        mail.queue_email(
            jobs=services.background_jobs,
            settings=settings,
            template="new_device_sign_in",
            recipient=email,
            **notice_context(client),
        )
    refresh_token = services.refresh_tokens.issue(session_id=session_id, generation=0)
    return IssuedTokens(access_token, expires_at, refresh_token, _unix(opened.refresh_expires_at))


async def refresh_grant(*, services: Services, client: Client, refresh_token: str) -> IssuedTokens:
    """Spend `refresh_token` for its successor in the same session (RFC 9700 rotation).

    A token that is not genuine is refused before the database is asked, so
    a forged one can never revoke a session. The new access token carries
    the methods of the login that opened the session.
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
        client=client,
    )
    if rotation is None:
        replay = await sessions.revoke_if_replayed(
            db=db,
            session_id=claims.session_id,
            generation=claims.generation,
            grace_secs=settings.refresh_reuse_grace_secs,
            client=client,
        )
        if replay is not None:
            security_events.refresh_token_reused(
                session_id=claims.session_id, user_id=replay.user_id
            )
            mail.queue_email(
                jobs=services.background_jobs,
                settings=services.settings,
                template="refresh_reuse",
                recipient=replay.email,
                **notice_context(client),
            )
        security_events.refresh_failed()
        raise InvalidGrantError(messages.INVALID_REFRESH_TOKEN)
    security_events.refresh_succeeded()
    access_token, expires_at = services.access_tokens.issue(
        user_id=rotation.user_id, session_id=claims.session_id, amr=rotation.amr
    )
    successor = services.refresh_tokens.issue(
        session_id=claims.session_id, generation=rotation.generation
    )
    return IssuedTokens(access_token, expires_at, successor, _unix(rotation.refresh_expires_at))


async def logout(*, services: Services, client: Client, refresh_token: str) -> None:
    """Revoke the session of this refresh token (spent or not); unknown tokens are no error."""
    claims = services.refresh_tokens.read(refresh_token)
    if claims is not None:
        await devices.revoke_by_refresh_token(
            db=services.database,
            session_id=claims.session_id,
            generation=claims.generation,
            client=client,
        )


async def logout_all(*, services: Services, client: Client, session: sessions.SessionUser) -> None:
    """Revoke every session of the signed-in user, this one included."""
    await devices.revoke_all_sessions_recorded(
        db=services.database, user_id=session.user_id, client=client
    )
    security_events.sessions_revoked(user_id=session.user_id, reason="logout_all")
