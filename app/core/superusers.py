"""Making superusers, for the command line (never over HTTP, never with a default password)."""

import uuid

from app.core.database import Database
from app.core.email_address import canonical_email
from app.core.sessions import revoke_all_sessions

# The operator vouches for the address: a superuser made here is verified.
# One statement, so that an account registered meanwhile is promoted rather
# than duplicated: the unique constraint on the canonical email settles the race.
_UPSERT_SUPERUSER = """
INSERT INTO users (user_id, email, email_canonical, password_hash, is_superuser, email_verified)
VALUES ($1, $2, $3, $4, true, true)
ON CONFLICT (email_canonical) DO UPDATE
SET password_hash = EXCLUDED.password_hash, is_superuser = true, is_active = true,
    email_verified = true, updated_at = now()
RETURNING user_id
"""


async def make_superuser(*, db: Database, email: str, password_hash: str) -> bool:
    """Create an active superuser with this password, or turn the account of `email` into one.

    An existing account also gets the new password and loses its sessions:
    whoever registered the email before the operator must not keep a way in
    to what is now a superuser. Returns whether the account was created.
    """
    new_user_id = uuid.uuid4()
    async with db.transaction() as connection:
        user_id = await connection.fetchval(
            _UPSERT_SUPERUSER, new_user_id, email, canonical_email(email), password_hash
        )
        if user_id == new_user_id:
            return True
        await revoke_all_sessions(db=connection, user_id=user_id)
    return False
