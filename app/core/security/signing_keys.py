"""Asymmetric keys that sign access tokens (EdDSA, ES256, RS256), and their public JWKs.

The keys come from the settings as PEM private keys, in the environment
(`SECURITY__JWT_SIGNING_KEYS`) or in files (`SECURITY__JWT_SIGNING_KEY_FILES`,
for mounted Kubernetes secrets). The first signs; every one verifies, so a
new key can be published before it signs and an old one kept until the
tokens it signed have expired. Outside production, with none configured, one
is generated once under `DATA_DIR/secrets`.

Each key's `kid` is its RFC 7638 thumbprint: the same key always has the same
`kid`, on every replica, without anyone choosing names.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app.core.config import ASYMMETRIC_ALGORITHMS, Settings
from app.core.security.local_secrets import SECRET_DIR_NAME, read_or_create

MIN_RSA_BITS = 2048
# RFC 7638 section 3.2: the members a thumbprint hashes, per key type.
THUMBPRINT_MEMBERS = {
    "OKP": ("crv", "kty", "x"),
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
}

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class InvalidSigningKeyError(ValueError):
    """A configured key cannot sign with the configured algorithm: the start stops."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: PrivateKey
    public_key: PublicKey
    # The public JWK as /.well-known/jwks.json publishes it: no private member.
    jwk: dict[str, Any]


def generate_private_key_pem(algorithm: str) -> str:
    """A new private key for `algorithm`, as unencrypted PKCS #8 PEM."""
    key: PrivateKey
    if algorithm == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(private_pem: str) -> str:
    """The public half of a PEM private key, as SubjectPublicKeyInfo PEM."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: base64url SHA-256 of the required members, sorted, without whitespace."""
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _fitting(key: object, algorithm: str) -> PrivateKey | None:
    """`key` if it can sign `algorithm`, else None."""
    if algorithm == "EdDSA":
        fits = isinstance(key, ed25519.Ed25519PrivateKey)
    elif algorithm == "ES256":
        fits = isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    else:
        fits = isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MIN_RSA_BITS
    return key if fits and isinstance(key, PrivateKey) else None


def load_signing_key(pem: str, algorithm: str, *, source: str) -> SigningKey:
    """The key of a PEM private key; InvalidSigningKeyError naming `source` (never the key)."""
    try:
        loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise InvalidSigningKeyError(
            f"{source} is not an unencrypted PEM private key (app keys generate makes one)"
        ) from error
    key = _fitting(loaded, algorithm)
    if key is None:
        raise InvalidSigningKeyError(
            f"{source} cannot sign {algorithm}: it needs an Ed25519 key for EdDSA, a P-256 "
            f"key for ES256, an RSA key of at least {MIN_RSA_BITS} bits for RS256"
        )
    public_key = key.public_key()
    public = jwt.get_algorithm_by_name(algorithm).to_jwk(public_key, as_dict=True)
    kid = thumbprint(public)
    members = {name: public[name] for name in THUMBPRINT_MEMBERS[public["kty"]]}
    jwk = {**members, "kid": kid, "alg": algorithm, "use": "sig"}
    return SigningKey(kid=kid, private_key=key, public_key=public_key, jwk=jwk)


def load_signing_keys(settings: Settings) -> list[SigningKey]:
    """The configured keys in order (the first signs); [] with an HS algorithm.

    Unconfigured outside production: one generated and kept under DATA_DIR
    (production refuses to start without keys, see config.py).
    """
    security = settings.security
    algorithm = security.jwt_algorithm
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        return []
    sources = [
        (key.get_secret_value(), f"SECURITY__JWT_SIGNING_KEYS[{index}]")
        for index, key in enumerate(security.jwt_signing_keys)
    ] + [(path.read_text(encoding="utf-8"), str(path)) for path in security.jwt_signing_key_files]
    if not sources:
        pem = read_or_create(
            settings.data_dir / SECRET_DIR_NAME,
            f"jwt_signing_key_{algorithm.lower()}.pem",
            make=lambda: generate_private_key_pem(algorithm),
            what="sign access tokens",
        )
        sources = [(pem, "the generated signing key")]
    return [load_signing_key(pem, algorithm, source=source) for pem, source in sources]
