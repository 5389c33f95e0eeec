"""The stored second factor of an account: its TOTP secret, recovery codes, and code checks.

Every acceptance of a code is one atomic statement, so that of two
concurrent requests with the same code exactly one wins:

- a TOTP code claims its time step with `UPDATE users SET totp_last_step =
  $step WHERE totp_last_step < $step`: that step and every earlier one are
  refused from then on, whichever call took the code, across re-enrolments;
- a recovery code is spent with `DELETE ... RETURNING`.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

from app.core import messages
from app.core.database import Queryable
from app.core.errors import UnavailableError
from app.core.security import one_time_codes
from app.core.security.data_encryption import DataCipher, UndecryptableError

logger = logging.getLogger("app.security")

# How long an enrolment waits for its confirming code.
PENDING_TOTP_LIFETIME_SECS = 15 * 60

CodeKind = Literal["totp", "recovery_code"]

# A new pending secret replaces an unconfirmed one, never a confirmed one.
_PUT_PENDING = """
INSERT INTO totp_factors AS f (user_id, secret_ciphertext, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (user_id) DO UPDATE
SET secret_ciphertext = excluded.secret_ciphertext, expires_at = excluded.expires_at,
    created_at = now()
WHERE f.confirmed_at IS NULL
RETURNING 1
"""

_FACTOR = """
SELECT secret_ciphertext, confirmed_at IS NOT NULL AS confirmed,
       coalesce(expires_at > now(), true) AS usable
FROM totp_factors WHERE user_id = $1
"""

# Only the very secret that was checked: a newer enrolment meanwhile wins.
# `users.mfa_enabled` is set in the same statement.
_CONFIRM = """
WITH confirmed AS (
    UPDATE totp_factors SET confirmed_at = now(), expires_at = NULL
    WHERE user_id = $1 AND confirmed_at IS NULL AND secret_ciphertext = $2
      AND expires_at > now()
    RETURNING user_id
)
UPDATE users SET mfa_enabled = true, updated_at = now()
WHERE user_id = (SELECT user_id FROM confirmed)
RETURNING 1
"""

_CLAIM_STEP = """
UPDATE users SET totp_last_step = $2 WHERE user_id = $1 AND totp_last_step < $2 RETURNING 1
"""

_SPEND_RECOVERY_CODE = """
DELETE FROM recovery_codes WHERE code_hash = $1 AND user_id = $2 RETURNING 1
"""

_DELETE_RECOVERY_CODES = "DELETE FROM recovery_codes WHERE user_id = $1"
_INSERT_RECOVERY_CODES = """
INSERT INTO recovery_codes (code_hash, user_id) SELECT unnest($2::bytea[]), $1
"""
_DELETE_FACTOR = "DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL"
# `users.mfa_enabled` mirrors a confirmed factor, so that the login's one
# credential query knows whether to ask for a second factor.
_SET_DISABLED = "UPDATE users SET mfa_enabled = false, updated_at = now() WHERE user_id = $1"


# RFC 8176 methods that prove a second factor: a one-time code, or a
# hardware-bound key (a passkey).
SECOND_FACTOR_METHODS = frozenset({"otp", "hwk"})


def proves_second_factor(amr: tuple[str, ...]) -> bool:
    """Whether a session's login methods include a second factor."""
    return not SECOND_FACTOR_METHODS.isdisjoint(amr)


class WrongCodeError(Exception):
    """A code that is wrong, replayed or spent (or there is no second factor)."""


@dataclass(frozen=True, slots=True)
class Factor:
    """A TOTP secret of the account, decrypted, as stored (`ciphertext`)."""

    secret: str
    ciphertext: bytes
    confirmed: bool
    # False for a pending secret past its time.
    usable: bool


async def put_pending(
    *, db: Queryable, cipher: DataCipher, user_id: uuid.UUID, secret: str
) -> bool:
    """Store `secret` encrypted, waiting for confirmation; False if a factor is confirmed."""
    ciphertext = cipher.encrypt(secret.encode(), owner=user_id.bytes)
    stored = await db.fetchval(_PUT_PENDING, user_id, ciphertext, float(PENDING_TOTP_LIFETIME_SECS))
    return stored is not None


async def find_factor(*, db: Queryable, cipher: DataCipher, user_id: uuid.UUID) -> Factor | None:
    row = await db.fetchrow(_FACTOR, user_id)
    if row is None:
        return None
    try:
        secret = cipher.decrypt(row["secret_ciphertext"], owner=user_id.bytes).decode()
    except UndecryptableError as error:
        # A key removed from SECURITY__DATA_ENCRYPTION_OLD_KEYS too early, or
        # an altered row: the operator's to fix, and no code can be checked.
        logger.error(
            "TOTP secret does not decrypt: %s",
            error,
            extra={"event": "totp_secret_undecryptable", "user_id": str(user_id)},
        )
        raise UnavailableError(messages.SECOND_FACTOR_UNAVAILABLE) from error
    return Factor(secret, row["secret_ciphertext"], row["confirmed"], row["usable"])


async def claim_totp_code(*, db: Queryable, user_id: uuid.UUID, secret: str, code: str) -> bool:
    """Whether `code` is a TOTP code of `secret` whose step had not been accepted yet."""
    step = one_time_codes.matching_step(secret, code)
    if step is None:
        return False
    return await db.fetchval(_CLAIM_STEP, user_id, step) is not None


async def spend_recovery_code(*, db: Queryable, user_id: uuid.UUID, code: str) -> bool:
    if len(code) > one_time_codes.MAX_CODE_LENGTH:
        return False
    code_hash = one_time_codes.hash_recovery_code(code, user_id=user_id)
    return await db.fetchval(_SPEND_RECOVERY_CODE, code_hash, user_id) is not None


async def accept_code(
    *, db: Queryable, cipher: DataCipher, user_id: uuid.UUID, code: str
) -> CodeKind | None:
    """Accept a TOTP code of the confirmed factor, or spend an unused recovery code.

    Which kind it was, or None for a wrong, replayed or spent code (or no factor).
    """
    factor = await find_factor(db=db, cipher=cipher, user_id=user_id)
    if factor is None or not factor.confirmed:
        return None
    if one_time_codes.is_totp_shaped(code):
        accepted = await claim_totp_code(db=db, user_id=user_id, secret=factor.secret, code=code)
        return "totp" if accepted else None
    spent = await spend_recovery_code(db=db, user_id=user_id, code=code)
    return "recovery_code" if spent else None


async def confirm_pending(*, db: Queryable, user_id: uuid.UUID, ciphertext: bytes) -> bool:
    """Turn the pending factor on (in the caller's transaction); False if it changed meanwhile."""
    return await db.fetchval(_CONFIRM, user_id, ciphertext) is not None


async def replace_recovery_codes(*, db: Queryable, user_id: uuid.UUID) -> list[str]:
    """New recovery codes for the account; the earlier ones stop working."""
    codes = one_time_codes.new_recovery_codes()
    hashes = [one_time_codes.hash_recovery_code(code, user_id=user_id) for code in codes]
    await db.execute(_DELETE_RECOVERY_CODES, user_id)
    await db.execute(_INSERT_RECOVERY_CODES, user_id, hashes)
    return codes


async def remove_factor(*, db: Queryable, user_id: uuid.UUID) -> bool:
    """Delete the confirmed factor and its recovery codes; False if there was none."""
    deleted = await db.execute(_DELETE_FACTOR, user_id)
    await db.execute(_DELETE_RECOVERY_CODES, user_id)
    await db.execute(_SET_DISABLED, user_id)
    return deleted != "DELETE 0"
