"""Access tokens: short-lived JWTs naming their user (`sub`) and session (`sid`)."""

import contextlib
import os
import secrets
import stat
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from app.core.config import Settings

REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp", "jti", "sid")
SECRET_DIR_NAME = "secrets"
SECRET_FILE_NAME = "jwt_secret"
# Permission bits of group and others: none may be set on the secret file
# (others could read it) nor on its directory (others could replace it).
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO


class InvalidAccessTokenError(Exception):
    """Any reason to refuse an access token; the client only ever learns 401."""


class InsecureSecretFileError(Exception):
    """The generated secret's file or directory is open to other users: the start stops."""


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
    so a generated secret never signs production tokens. The generated one is
    private from its first byte: mode 0600 in a directory of mode 0700.
    """
    configured = settings.security.jwt_secret_key
    if configured is not None:
        return configured.get_secret_value()
    directory = settings.data_dir / SECRET_DIR_NAME
    # mkdir's mode passes through the umask, which can only take bits away.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory_mode = stat.S_IMODE(directory.stat().st_mode)
    if directory_mode & OPEN_TO_OTHERS:
        raise InsecureSecretFileError(
            f"{directory} is open to group or others (mode {directory_mode:04o}), who "
            f"could replace the JWT secret in it: chmod 700 {directory}"
        )
    path = directory / SECRET_FILE_NAME
    if not path.exists():
        _create_secret_file(path)
    with path.open(encoding="utf-8") as file:
        # The mode of the file read, not of a path that may change meanwhile.
        mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
        if mode & OPEN_TO_OTHERS:
            raise InsecureSecretFileError(
                f"{path} is open to group or others (mode {mode:04o}), who could sign "
                f"access tokens with it: chmod 600 {path}"
            )
        return file.read().strip()


def _create_secret_file(path: Path) -> None:
    """Write a new secret to `path` unless another process does it first.

    The draft is made by mkstemp (O_CREAT | O_EXCL, mode 0600 from the start),
    written in full, then linked into place: two processes starting together
    both end up with the first one's secret, never a half-written file.
    """
    descriptor, draft = tempfile.mkstemp(prefix=f"{SECRET_FILE_NAME}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(64))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)


def create_access_tokens(settings: Settings) -> AccessTokens:
    return AccessTokens(
        secret=load_jwt_secret(settings),
        algorithm=settings.security.jwt_algorithm,
        issuer=settings.security.jwt_issuer,
        lifetime_secs=settings.security.access_token_expire_secs,
    )
