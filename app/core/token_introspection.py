"""Introspection (RFC 7662) and revocation (RFC 7009) of access and refresh tokens.

Introspection never changes state: it spends no refresh token and triggers
no reuse detection, so a resource server asking about a token cannot log
its user out. A token is active only when it is genuine, unexpired, its
session live and its user active; anything else is `{"active": false}`,
with nothing that tells why.

An access token costs one database round trip (its signature and claims are
checked first, in memory), as for `GET /users/me`. A refresh token names its
session and generation (security/refresh_tokens.py): it is active while its
generation is the session's live one.
"""

import uuid
from typing import Any

from app.core import devices, sessions, token_grants
from app.core.client_address import Client
from app.core.security.jwt import InvalidAccessTokenError
from app.core.services import Services

INACTIVE: dict[str, Any] = {"active": False}
_LIVE_REFRESH_TOKEN = """
SELECT s.user_id, u.email, s.rotated_at, s.refresh_expires_at, s.amr
FROM user_sessions AS s
JOIN users AS u ON u.user_id = s.user_id
WHERE s.session_id = $1 AND s.generation = $2 AND s.revoked_at IS NULL
  AND s.refresh_expires_at > now() AND s.expires_at > now() AND u.is_active
"""


async def introspect(*, services: Services, token: str) -> dict[str, Any]:
    """RFC 7662's answer for `token`, whichever kind it is (the two forms never overlap)."""
    refresh_claims = services.refresh_tokens.read(token)
    if refresh_claims is not None:
        return await _introspect_refresh_token(
            services=services,
            session_id=refresh_claims.session_id,
            generation=refresh_claims.generation,
        )
    try:
        claims = services.access_tokens.verified_claims(token)
        session_id, user_id = uuid.UUID(claims["sid"]), uuid.UUID(claims["sub"])
    except (InvalidAccessTokenError, ValueError, TypeError, AttributeError):
        return INACTIVE
    user = await sessions.find_session_user(
        db=services.database, session_id=session_id, user_id=user_id
    )
    if user is None:
        return INACTIVE
    fields = ("sub", "sid", "exp", "iat", "iss", "aud", "amr")
    return {
        "active": True,
        "token_type": "access_token",
        **{name: claims[name] for name in fields},
        "email": user.email,
    }


async def _introspect_refresh_token(
    *, services: Services, session_id: uuid.UUID, generation: int
) -> dict[str, Any]:
    row = await services.database.fetchrow(_LIVE_REFRESH_TOKEN, session_id, generation)
    if row is None:
        return INACTIVE
    return {
        "active": True,
        "token_type": "refresh_token",
        "sub": str(row["user_id"]),
        "sid": str(session_id),
        "exp": int(row["refresh_expires_at"].timestamp()),
        "iat": int(row["rotated_at"].timestamp()),
        "iss": services.access_tokens.issuer,
        "aud": services.access_tokens.audience,
        # How the session's login was proved (RFC 8176), as its access tokens say.
        "amr": list(row["amr"]),
        "email": row["email"],
    }


async def revoke(*, services: Services, client: Client, token: str) -> None:
    """End the session of a refresh token (spent ones too) or of a valid access token.

    Anything else is no error (RFC 7009 section 2.2). A forged token revokes
    nothing: a refresh token's tag and an access token's signature are
    checked before its session is named.
    """
    if services.refresh_tokens.read(token) is not None:
        await token_grants.logout(services=services, client=client, refresh_token=token)
        return
    try:
        claims = services.access_tokens.verify(token)
    except InvalidAccessTokenError:
        return
    # Every generation of the session is at least 0: this revokes the session.
    await devices.revoke_by_refresh_token(
        db=services.database, session_id=claims.session_id, generation=0, client=client
    )
