"""Email change: the address moves only when the new one confirms, by its link.

The request checks the current password (throttled as a password check) and
is throttled per account like recovery; the old address gets a notice and
never the link. Confirming sets the new address, verified, in the
transaction that spends the token; an address registered meanwhile gets
ConflictError and changes nothing (the unique canonical email decides).
"""

import asyncpg

from app.core import account_events, accounts, mail, messages
from app.core.background_jobs import BackgroundJobs
from app.core.client_address import Client
from app.core.config import Settings
from app.core.database import Database
from app.core.email_address import canonical_email
from app.core.email_verification import (
    ACCOUNT_COLUMNS,
    CHANGE,
    Account,
    issue_token,
    spend_token,
)
from app.core.errors import ConflictError, InvalidInputError
from app.core.security.password import PasswordHashing
from app.core.sessions import SessionUser
from app.core.throttle import Throttle

_EMAIL_TAKEN = "SELECT EXISTS (SELECT 1 FROM users WHERE email_canonical = $1)"
_SET_EMAIL = f"""
UPDATE users SET email = $2, email_canonical = $3, email_verified = true, updated_at = now()
WHERE user_id = $1 RETURNING {ACCOUNT_COLUMNS}
"""
# Links mailed to the old address stop working with it.
_DELETE_OLD_LINKS = """
WITH recovery AS (DELETE FROM password_reset_tokens WHERE user_id = $1)
DELETE FROM email_tokens WHERE user_id = $1
"""


async def request_email_change(
    *,
    db: Database,
    settings: Settings,
    hashing: PasswordHashing,
    throttle: Throttle,
    jobs: BackgroundJobs,
    client: Client,
    session: SessionUser,
    new_email: str,
    current_password: str,
) -> None:
    """Mail a confirmation link to `new_email` and a notice to the current address."""
    await throttle.request_for("email_change", client=client.address, email=session.email)
    await accounts.check_current_password(
        db=db,
        hashing=hashing,
        throttle=throttle,
        client=client,
        session=session,
        password=current_password,
    )
    canonical = canonical_email(new_email)
    if canonical == canonical_email(session.email):
        raise ConflictError(messages.EMAIL_UNCHANGED)
    if await db.fetchval(_EMAIL_TAKEN, canonical):
        raise ConflictError(messages.EMAIL_ALREADY_REGISTERED)
    lifetime_secs = settings.security.email_change_token_expire_secs
    async with db.transaction() as connection:
        issued = await issue_token(
            connection,
            user_id=session.user_id,
            kind=CHANGE,
            lifetime_secs=lifetime_secs,
            new_email=new_email,
        )
        if issued is None:  # deleted or deactivated meanwhile: its token is no use
            return
        await account_events.record(
            connection,
            user_id=session.user_id,
            event_type=account_events.EMAIL_CHANGE_REQUESTED,
            client=client,
            session_id=session.session_id,
        )
    token, current_address = issued
    mail.queue_email(
        jobs=jobs,
        settings=settings,
        template="confirm_email_change",
        recipient=new_email,
        link=mail.page_link(public_url=settings.public_url, page="confirm-email", token=token),
        valid_minutes=-(-lifetime_secs // 60),
    )
    mail.queue_email(
        jobs=jobs,
        settings=settings,
        template="email_change_requested",
        recipient=current_address,
        new_email=new_email,
        client_ip=client.ip_address,
        client_user_agent=client.user_agent,
    )


async def confirm_email_change(
    *, db: Database, settings: Settings, jobs: BackgroundJobs, client: Client, token: str
) -> Account:
    """Spend the token and move the account to its new, verified address; no session ends."""
    try:
        async with db.transaction() as connection:
            spent = await spend_token(connection, token=token, kind=CHANGE)
            if spent is None or spent.new_email is None:
                raise InvalidInputError(messages.INVALID_EMAIL_CHANGE_TOKEN)
            # The account is there: its deletion would cascade to the token's
            # row, which this transaction holds (see `mark_verified`).
            [row] = await connection.fetch(
                _SET_EMAIL, spent.user_id, spent.new_email, canonical_email(spent.new_email)
            )
            await connection.execute(_DELETE_OLD_LINKS, spent.user_id)
            await account_events.record(
                connection,
                user_id=spent.user_id,
                event_type=account_events.EMAIL_CHANGED,
                client=client,
            )
    except asyncpg.UniqueViolationError as error:
        # Registered meanwhile: the transaction rolled back, the token is unspent.
        raise ConflictError(messages.EMAIL_ALREADY_REGISTERED) from error
    mail.queue_email(
        jobs=jobs,
        settings=settings,
        template="email_changed",
        recipient=spent.old_email,
        new_email=spent.new_email,
        client_ip=client.ip_address,
        client_user_agent=client.user_agent,
    )
    return Account(**dict(row))
