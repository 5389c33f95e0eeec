"""Access tokens: short-lived RFC 9068 JWTs naming their user (`sub`) and session (`sid`)."""

import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from app.core.config import Settings
from app.core.security.local_secrets import SECRET_DIR_NAME, read_or_create
from app.core.security.signing_keys import SigningKey, load_signing_keys

REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "jti", "sid", "amr")
SECRET_FILE_NAME = "jwt_secret"
# RFC 9068 section 2.1; a verifier also accepts the full media type (section 4).
TOKEN_TYPE = "at+jwt"
ACCEPTED_TOKEN_TYPES = frozenset({TOKEN_TYPE, f"application/{TOKEN_TYPE}"})
# How far in the future `iat` may lie: the clocks of replicas drift apart.
# `exp` gets no such leeway: a token is never used past its lifetime.
MAX_IAT_SKEW_SECS = 30
# Tokens whose signature and claims passed, per process, newest kept: a
# client sends its token again and again during its lifetime, and an
# asymmetric signature check costs more than the rest of a request.
VERIFIED_TOKENS_KEPT = 1024


class InvalidAccessTokenError(Exception):
    """Any reason to refuse an access token; the client only ever learns 401."""


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


class AccessTokens:
    """Signs with the secret (HS algorithms) or the first signing key; verifies with any key.

    With signing keys, a token's header names its key (`kid`): a token whose
    `kid` is not one of the configured keys is refused without a signature check.
    """

    def __init__(
        self,
        *,
        secret: str,
        algorithm: str,
        issuer: str,
        audience: str,
        lifetime_secs: int,
        signing_keys: Sequence[SigningKey] = (),
    ) -> None:
        self._algorithm = algorithm
        self.issuer = issuer
        self.audience = audience
        self._lifetime_secs = lifetime_secs
        self._headers: dict[str, str] = {"typ": TOKEN_TYPE}
        self._signing_key: Any = secret
        self._verifying_keys: dict[str, Any] | None = None
        # Token -> its claims; only tokens that passed every check.
        self._verified: dict[str, dict[str, Any]] = {}
        self.jwks: list[dict[str, Any]] = [key.jwk for key in signing_keys]
        if signing_keys:
            self._headers["kid"] = signing_keys[0].kid
            self._signing_key = signing_keys[0].private_key
            self._verifying_keys = {key.kid: key.public_key for key in signing_keys}

    def _verifying_key(self, token: str) -> Any:
        if self._verifying_keys is None:
            return self._signing_key
        kid = jwt.get_unverified_header(token).get("kid")
        key = self._verifying_keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise ValueError("unknown kid")
        return key

    def issue(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID, amr: list[str]
    ) -> tuple[str, int]:
        """A signed token and its `exp` (Unix seconds).

        `amr` (RFC 8176) names how the session's login was proved, e.g. ["pwd"].
        """
        now = int(time.time())
        expires_at = now + self._lifetime_secs
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "iat": now,
            "exp": expires_at,
            "jti": secrets.token_urlsafe(16),
            "sid": str(session_id),
            "amr": amr,
        }
        token = jwt.encode(
            claims, self._signing_key, algorithm=self._algorithm, headers=self._headers
        )
        return token, expires_at

    def verify(self, token: str) -> AccessTokenClaims:
        """The claims of a valid token; InvalidAccessTokenError for anything else.

        Revocation does not depend on the token: the session is looked up in
        the database on every request.
        """
        claims = self.verified_claims(token)
        try:
            return AccessTokenClaims(
                user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"])
            )
        except (ValueError, TypeError, AttributeError) as error:
            raise InvalidAccessTokenError from error

    def verified_claims(self, token: str) -> dict[str, Any]:
        """Every claim of a valid token (`sub` and `sid` not yet parsed as UUIDs); read-only.

        A token seen before is recognised by its exact text, so its signature
        and fixed claims need no second check, but its `exp` is checked again
        at every use: a remembered token is refused from the second its
        lifetime ends, as PyJWT would (expired when `exp` <= now). A token
        that failed is never remembered, and the memory is the process's
        own: keys change only with a restart, which forgets it.
        """
        known = self._verified.get(token)
        if known is not None:
            if known["exp"] <= time.time():
                raise InvalidAccessTokenError
            return known
        claims = self._checked_claims(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            # Insertion order: the oldest entry goes.
            del self._verified[next(iter(self._verified))]
        self._verified[token] = claims
        return claims

    def _checked_claims(self, token: str) -> dict[str, Any]:
        try:
            # Pass `algorithms` explicitly: without it PyJWT would trust the
            # token's own header, and a token signed with "none" (or with the
            # secret used as an RSA public key) would pass.
            decoded = jwt.decode_complete(
                token,
                self._verifying_key(token),
                algorithms=[self._algorithm],
                issuer=self.issuer,
                # One of the token's audiences (a string or a list) must be ours.
                audience=self.audience,
                # PyJWT would give `iat` the leeway of `exp`: checked below instead.
                options={"require": list(REQUIRED_CLAIMS), "verify_iat": False},
            )
            claims: dict[str, Any] = decoded["payload"]
            _check_type(decoded["header"])
            _check_issued_at(claims["iat"])
            _check_methods(claims["amr"])
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as error:
            raise InvalidAccessTokenError from error
        return claims


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
    so a generated secret never signs production tokens.
    """
    configured = settings.security.jwt_secret_key
    if configured is not None:
        return configured.get_secret_value()
    return read_or_create(
        settings.data_dir / SECRET_DIR_NAME,
        SECRET_FILE_NAME,
        make=lambda: secrets.token_urlsafe(64),
        what="sign access tokens",
    )


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
        signing_keys=load_signing_keys(settings),
    )
