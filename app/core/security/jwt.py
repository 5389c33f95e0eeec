"""Access tokens: short-lived JWTs naming their user (`sub`) and session (`sid`)."""

import contextlib
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from app.core.config import Settings

REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp", "jti", "sid")
SECRET_FILE_NAME = "jwt_secret"


class InvalidAccessTokenError(Exception):
    """Any reason to refuse an access token; the client only ever learns 401."""


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


class AccessTokens:
    def __init__(self, *, secret: str, algorithm: str, issuer: str, lifetime_secs: int) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._lifetime_secs = lifetime_secs

    def issue(self, *, user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[str, int]:
        """A signed token and its `exp` (Unix seconds)."""
        now = int(time.time())
        expires_at = now + self._lifetime_secs
        claims = {
            "iss": self._issuer,
            "sub": str(user_id),
            "iat": now,
            "exp": expires_at,
            "jti": secrets.token_urlsafe(16),
            "sid": str(session_id),
        }
        return jwt.encode(claims, self._secret, algorithm=self._algorithm), expires_at

    def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token; InvalidAccessTokenError for anything else.

        Every call checks the signature and every claim again (`exp` included),
        nothing is remembered between requests. Revocation does not depend on
        the token: the session is looked up in the database on every request.
        """
        try:
            # Pass `algorithms` explicitly: without it PyJWT would trust the
            # token's own header, and a token signed with "none" (or with the
            # secret used as an RSA public key) would pass.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                options={"require": list(REQUIRED_CLAIMS)},
            )
            return AccessTokenClaims(
                user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"])
            )
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as error:
            raise InvalidAccessTokenError from error


def load_jwt_secret(settings: Settings) -> str:
    """The configured secret, or outside production one generated once and kept on disk.

    Production refuses to start without a configured secret (see config.py),
    so a generated secret never signs production tokens.
    """
    configured = settings.security.jwt_secret_key
    if configured is not None:
        return configured.get_secret_value()
    path: Path = settings.data_dir / SECRET_FILE_NAME
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting
        # together both end up with the first one's secret, never a half file.
        draft = path.with_name(f"{SECRET_FILE_NAME}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        draft.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def create_access_tokens(settings: Settings) -> AccessTokens:
    return AccessTokens(
        secret=load_jwt_secret(settings),
        algorithm=settings.security.jwt_algorithm,
        issuer=settings.security.jwt_issuer,
        lifetime_secs=settings.security.access_token_expire_secs,
    )
