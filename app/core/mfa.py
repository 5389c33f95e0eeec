"""The signed-in user's second factor: enrol TOTP, confirm it, disable it, new recovery codes.

Every code these take counts against the account's wrong-code limit and
the address's limit before it is checked, like a password; a right one
gives the account's count back. Each change records its security event in
its own transaction; turning the factor on or off sends the account a notice.
"""

import uuid
from dataclasses import dataclass

from app.core import (
    account_events,
    accounts,
    mail,
    messages,
    mfa_attempts,
    second_factor,
    sessions,
)
from app.core.client_address import Client
from app.core.errors import ConflictError, InvalidGrantError, InvalidInputError
from app.core.security import one_time_codes
from app.core.services import Services
from app.core.token_grants import notice_context

_KILL_LOGIN_ATTEMPTS = "DELETE FROM mfa_login_attempts WHERE user_id = $1"


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str
    qr_code_svg: str


def _notify(*, services: Services, client: Client, recipient: str, template: str) -> None:
    mail.queue_email(
        jobs=services.background_jobs,
        settings=services.settings,
        template=template,
        recipient=recipient,
        **notice_context(client),
    )


async def _check_current_password(
    *, services: Services, client: Client, session: sessions.SessionUser, password: str
) -> None:
    await accounts.check_current_password(
        db=services.database,
        hashing=services.password_hashing,
        throttle=services.throttle,
        client=client,
        session=session,
        password=password,
    )


async def start_totp(
    *, services: Services, client: Client, session: sessions.SessionUser, current_password: str
) -> TotpEnrolment:
    """A new pending secret (replacing an unconfirmed one); ConflictError when one is on."""
    await _check_current_password(
        services=services, client=client, session=session, password=current_password
    )
    secret = one_time_codes.new_totp_secret()
    stored = await second_factor.put_pending(
        db=services.database, cipher=services.data_cipher, user_id=session.user_id, secret=secret
    )
    if not stored:
        raise ConflictError(messages.MFA_ALREADY_ENABLED)
    uri = one_time_codes.otpauth_uri(
        secret, account=session.email, issuer=services.settings.product_name
    )
    return TotpEnrolment(secret, uri, one_time_codes.qr_code_svg(uri))


async def confirm_totp(
    *, services: Services, client: Client, session: sessions.SessionUser, code: str
) -> list[str]:
    """Turn the pending factor on with a code of its secret: its recovery codes.

    Every other session of the user is revoked, in the same transaction.
    """
    db, user_id = services.database, session.user_id
    factor = await second_factor.find_factor(db=db, cipher=services.data_cipher, user_id=user_id)
    if factor is None or not factor.usable:
        raise ConflictError(messages.MFA_NOTHING_TO_CONFIRM)
    if factor.confirmed:
        raise ConflictError(messages.MFA_ALREADY_ENABLED)
    await services.throttle.attempt("mfa", client=client.address)
    await services.throttle.code_check(client=client.address, user_id=user_id)
    async with db.transaction() as connection:
        accepted = await second_factor.claim_totp_code(
            db=connection, user_id=user_id, secret=factor.secret, code=code
        )
        if accepted and not await second_factor.confirm_pending(
            db=connection, user_id=user_id, ciphertext=factor.ciphertext
        ):  # pragma: no cover - a race: a new enrolment replaced the secret since it was read
            raise ConflictError(messages.MFA_NOTHING_TO_CONFIRM)
        if accepted:
            codes = await second_factor.replace_recovery_codes(db=connection, user_id=user_id)
            await sessions.revoke_other_sessions(
                db=connection, user_id=user_id, keep_session_id=session.session_id
            )
        event = account_events.MFA_ENABLED if accepted else account_events.MFA_FAILED
        await account_events.record(connection, user_id=user_id, event_type=event, client=client)
    if not accepted:
        raise InvalidInputError(messages.WRONG_CODE)
    await services.throttle.code_check_succeeded(user_id=user_id)
    _notify(services=services, client=client, recipient=session.email, template="mfa_enabled")
    return codes


async def accept_code(
    *,
    services: Services,
    client: Client,
    user_id: uuid.UUID,
    code: str,
    mfa_token: str | None = None,
) -> None:
    """Accept a TOTP code or spend a recovery code of the account, or record `mfa.failed`.

    Counted against the account (and given back when right); raises
    `second_factor.WrongCodeError` for a wrong, replayed or spent code.
    With `mfa_token` (the `mfa_otp` grant), the login's token is spent in
    the same transaction as the code, before it: of two codes sent at once
    with one token, the second waits for the first's row lock, then finds
    the token spent (InvalidGrantError) and its own code unused; a wrong
    code rolls the token's spending back.
    """
    db = services.database
    await services.throttle.code_check(client=client.address, user_id=user_id)
    try:
        async with db.transaction() as connection:
            if mfa_token is not None and not await mfa_attempts.spend(
                db=connection, token=mfa_token
            ):
                raise InvalidGrantError(messages.INVALID_MFA_TOKEN)
            kind = await second_factor.accept_code(
                db=connection, cipher=services.data_cipher, user_id=user_id, code=code
            )
            if kind is None:
                raise second_factor.WrongCodeError
            if kind == "recovery_code":
                await account_events.record(
                    connection,
                    user_id=user_id,
                    event_type=account_events.MFA_RECOVERY_CODE_USED,
                    client=client,
                )
    except second_factor.WrongCodeError:
        await account_events.record(
            db, user_id=user_id, event_type=account_events.MFA_FAILED, client=client
        )
        raise
    await services.throttle.code_check_succeeded(user_id=user_id)


async def _accept_own_code(
    *, services: Services, client: Client, session: sessions.SessionUser, code: str
) -> None:
    await services.throttle.attempt("mfa", client=client.address)
    try:
        await accept_code(services=services, client=client, user_id=session.user_id, code=code)
    except second_factor.WrongCodeError as error:
        raise InvalidInputError(messages.WRONG_CODE) from error


async def _require_enabled(*, services: Services, session: sessions.SessionUser) -> None:
    factor = await second_factor.find_factor(
        db=services.database, cipher=services.data_cipher, user_id=session.user_id
    )
    if factor is None or not factor.confirmed:
        raise ConflictError(messages.MFA_NOT_ENABLED)


async def disable_totp(
    *,
    services: Services,
    client: Client,
    session: sessions.SessionUser,
    current_password: str,
    code: str,
) -> None:
    """Remove the factor and its recovery codes; outstanding `mfa_token`s die, sessions stay."""
    await _require_enabled(services=services, session=session)
    await _check_current_password(
        services=services, client=client, session=session, password=current_password
    )
    await _accept_own_code(services=services, client=client, session=session, code=code)
    async with services.database.transaction() as connection:
        await second_factor.remove_factor(db=connection, user_id=session.user_id)
        await connection.execute(_KILL_LOGIN_ATTEMPTS, session.user_id)
        await account_events.record(
            connection,
            user_id=session.user_id,
            event_type=account_events.MFA_DISABLED,
            client=client,
        )
    _notify(services=services, client=client, recipient=session.email, template="mfa_disabled")


async def regenerate_recovery_codes(
    *, services: Services, client: Client, session: sessions.SessionUser, code: str
) -> list[str]:
    """New recovery codes; the earlier ones stop working."""
    await _require_enabled(services=services, session=session)
    await _accept_own_code(services=services, client=client, session=session, code=code)
    async with services.database.transaction() as connection:
        codes = await second_factor.replace_recovery_codes(db=connection, user_id=session.user_id)
        await account_events.record(
            connection,
            user_id=session.user_id,
            event_type=account_events.MFA_RECOVERY_CODES_REGENERATED,
            client=client,
        )
    return codes
