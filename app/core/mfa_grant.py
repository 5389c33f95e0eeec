"""The `mfa_otp` grant: the second step of a password login to an account with a second factor."""

from app.core import messages, mfa_attempts, second_factor, token_grants
from app.core.client_address import Client
from app.core.errors import InvalidGrantError
from app.core.services import Services

AMR = ["pwd", "otp"]


async def mfa_otp_grant(
    *, services: Services, client: Client, mfa_token: str, otp: str
) -> token_grants.IssuedTokens:
    """Open the session that `mfa_token` waits for, given a TOTP or an unused recovery code.

    Counted before the check: against the address, the token (at most
    `mfa_attempts.MAX_CODES` codes, then it is dead) and the account (then
    429). An unknown, spent, expired or dead token, a wrong code and an
    account deactivated meanwhile all get `invalid_grant`.
    """
    db, throttle = services.database, services.throttle
    await throttle.attempt("mfa", client=client.address)
    user_id = await mfa_attempts.claim_attempt(db=db, token=mfa_token)
    if user_id is None:
        raise InvalidGrantError(messages.INVALID_MFA_TOKEN)
    await throttle.code_check(client=client.address, user_id=user_id)
    kind = await second_factor.accept_code(
        db=db, cipher=services.data_cipher, user_id=user_id, code=otp
    )
    if kind is None:
        raise InvalidGrantError(messages.WRONG_CODE)
    if not await mfa_attempts.spend(db=db, token=mfa_token):
        raise InvalidGrantError(messages.INVALID_MFA_TOKEN)
    await throttle.code_check_succeeded(user_id=user_id)
    return await token_grants.open_session(services=services, user_id=user_id, amr=AMR)
