"""The `mfa_otp` grant: the second step of a password login to an account with a second factor."""

from app.core import messages, mfa, mfa_attempts, second_factor, token_grants
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
    account deactivated meanwhile all get `invalid_grant`. The token is spent
    with the code, in one transaction (see `mfa.accept_code`).
    """
    db = services.database
    await services.throttle.attempt("mfa", client=client.address)
    attempt = await mfa_attempts.claim_attempt(db=db, token=mfa_token)
    if attempt is None:
        raise InvalidGrantError(messages.INVALID_MFA_TOKEN)
    try:
        await mfa.accept_code(
            services=services,
            client=client,
            user_id=attempt.user_id,
            code=otp,
            mfa_token=mfa_token,
        )
    except second_factor.WrongCodeError as error:
        raise InvalidGrantError(messages.WRONG_CODE) from error
    return await token_grants.open_session_tokens(
        services=services, client=client, user_id=attempt.user_id, email=attempt.email, amr=AMR
    )
