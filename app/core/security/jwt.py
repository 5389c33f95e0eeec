"""Access tokens: short-lived RFC 9068 JWTs naming their user (`sub`) and session (`sid`)."""

import contextlib
import os
import secrets
import stat
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from app.core.config import Settings

REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "jti", "sid", "amr")
SECRET_DIR_NAME = "secrets"
SECRET_FILE_NAME = "jwt_secret"
# Permission bits of group and others: none may be set on the secret file
# (others could read it) nor on its directory (others could replace it).
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO
# RFC 9068 section 2.1; a verifier also accepts the full media type (section 4).
TOKEN_TYPE = "at+jwt"
ACCEPTED_TOKEN_TYPES = frozenset({TOKEN_TYPE, f"application/{TOKEN_TYPE}"})
# How far in the future `iat` may lie: the clocks of replicas drift apart.
# `exp` gets no such leeway: a token is never used past its lifetime.
MAX_IAT_SKEW_SECS = 30


class InvalidAccessTokenError(Exception):
    """Any reason to refuse an access token; the client only ever learns 401."""


class InsecureSecretFileError(Exception):
    """The generated secret's file or directory is open to other users: the start stops."""


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


class AccessTokens:
    def __init__(
        self, *, secret: str, algorithm: str, issuer: str, audience: str, lifetime_secs: int
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self._lifetime_secs = lifetime_secs

    def issue(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID, amr: list[str]
    ) -> tuple[str, int]:
        """A signed token and its `exp` (Unix seconds).

        `amr` (RFC 8176) names how the session's login was proved, e.g. ["pwd"].
        """
        now = int(time.time())
        expires_at = now + self._lifetime_secs
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": now,
            "exp": expires_at,
            "jti": secrets.token_urlsafe(16),
            "sid": str(session_id),
            "amr": amr,
        }
        token = jwt.encode(
            claims, self._secret, algorithm=self._algorithm, headers={"typ": TOKEN_TYPE}
        )
        return token, expires_at

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
            decoded = jwt.decode_complete(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                # One of the token's audiences (a string or a list) must be ours.
                audience=self._audience,
                # PyJWT would give `iat` the leeway of `exp`: checked below instead.
                options={"require": list(REQUIRED_CLAIMS), "verify_iat": False},
            )
            claims = decoded["payload"]
            _check_type(decoded["header"])
            _check_issued_at(claims["iat"])
            _check_methods(claims["amr"])
            return AccessTokenClaims(
                user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"])
            )
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as error:
            raise InvalidAccessTokenError from error


def _check_type(header: dict[str, Any]) -> None:
    # Another kind of JWT signed with the same key (an ID token, a token of
    # another flow) must not pass for an access token (RFC 9068 section 4).
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TOKEN_TYPES:
        raise ValueError("not an access token (typ)")


def _check_issued_at(iat: object) -> None:
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise TypeError("iat is not a number")
    if iat > time.time() + MAX_IAT_SKEW_SECS:
        raise ValueError("iat is in the future")


def _check_methods(amr: object) -> None:
    if not isinstance(amr, list) or not amr or not all(isinstance(m, str) for m in amr):
        raise ValueError("amr is not a list of methods")


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


def token_issuer(settings: Settings) -> str:
    """`iss`: SECURITY__JWT_ISSUER, or the service's own URL (RFC 8414 wants a URL)."""
    configured = settings.security.jwt_issuer
    return settings.public_url if configured is None else configured


def token_audience(settings: Settings) -> str:
    """The `aud` a token must name to be accepted here: SECURITY__JWT_AUDIENCE, or the issuer."""
    configured = settings.security.jwt_audience
    return token_issuer(settings) if configured is None else configured


def create_access_tokens(settings: Settings) -> AccessTokens:
    return AccessTokens(
        secret=load_jwt_secret(settings),
        algorithm=settings.security.jwt_algorithm,
        issuer=token_issuer(settings),
        audience=token_audience(settings),
        lifetime_secs=settings.security.access_token_expire_secs,
    )
