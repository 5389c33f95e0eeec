"""Asymmetric signing: each algorithm signs and verifies, `kid` is the RFC 7638 thumbprint,
foreign keys and algorithm confusion get 401."""

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from joserfc.jwk import JWKRegistry

from app.core.security.signing_keys import public_key_pem
from app.tests.api_client import Api, ApiFactory
from app.tests.tokens.support import ALGORITHMS, private_key, signing


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def status_with(api: Api, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return (await api.request("GET", "read_current_user", headers=headers)).status_code


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_each_algorithm_signs_and_verifies(make_api: ApiFactory, algorithm: str) -> None:
    async with make_api(security=signing(algorithm, private_key(algorithm))) as api:
        user = await api.new_user()
        header = jwt.get_unverified_header(user.tokens["access_token"])
        assert (header["alg"], header["typ"]) == (algorithm, "at+jwt")
        assert (await user.me()).status_code == 200
        assert (await user.refresh()).status_code == 200
        assert (await user.me()).status_code == 200
        jwks = (await api.request("GET", "read_jwks")).json()
    [key] = jwks["keys"]
    # joserfc computes the RFC 7638 thumbprint itself: it must be the token's kid.
    assert JWKRegistry.import_key(key).thumbprint() == header["kid"] == key["kid"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_token_of_another_key_under_a_known_kid_gets_401(
    make_api: ApiFactory, algorithm: str
) -> None:
    async with make_api(security=signing(algorithm, private_key(algorithm))) as api:
        user = await api.new_user()
        kid = jwt.get_unverified_header(user.tokens["access_token"])["kid"]
        attacker = private_key(algorithm, "attacker")
        headers = {"typ": "at+jwt", "kid": kid}
        forged = jwt.encode(user.claims, attacker, algorithm=algorithm, headers=headers)
        assert await status_with(user, forged) == 401


def eddsa_by_hand(header: dict[str, Any], claims: dict[str, Any], pem: str) -> str:
    """A token PyJWT would refuse to make (a `kid` that is not a string)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    encoded = (b64url(json.dumps(part).encode()) for part in (header, claims))
    signing_input = ".".join(encoded)
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


@pytest.mark.parametrize("kid", [None, "unknown", 5, ["x"], {"kid": "x"}])
async def test_a_token_without_a_known_kid_gets_401(make_api: ApiFactory, kid: Any) -> None:
    key = private_key("EdDSA")
    async with make_api(security=signing("EdDSA", key)) as api:
        user = await api.new_user()
        header = {"alg": "EdDSA", "typ": "at+jwt"} | ({} if kid is None else {"kid": kid})
        assert await status_with(user, eddsa_by_hand(header, user.claims, key)) == 401
        # The same by hand with the right kid passes: only the kid made the difference.
        right = {**header, "kid": jwt.get_unverified_header(user.tokens["access_token"])["kid"]}
        assert await status_with(user, eddsa_by_hand(right, user.claims, key)) == 200


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_hs256_with_the_public_key_as_secret_gets_401(
    make_api: ApiFactory, algorithm: str
) -> None:
    """Algorithm confusion: the published public key used as an HMAC secret."""
    pem = private_key(algorithm)
    async with make_api(security=signing(algorithm, pem)) as api:
        user = await api.new_user()
        kid = jwt.get_unverified_header(user.tokens["access_token"])["kid"]
        header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(user.claims).encode())}"
        )
        secret = public_key_pem(pem).encode()
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert await status_with(user, f"{signing_input}.{b64url(signature)}") == 401


async def test_a_token_of_the_hs256_secret_gets_401_under_eddsa(
    make_api: ApiFactory, user: Api
) -> None:
    """A token of the default HS256 app is not accepted once the service signs with EdDSA."""
    async with make_api(security=signing("EdDSA", private_key("EdDSA"))) as eddsa:
        assert await status_with(eddsa, user.tokens["access_token"]) == 401


async def test_hs_algorithms_publish_no_key_and_tokens_carry_no_kid(user: Api) -> None:
    jwks = await user.request("GET", "read_jwks")
    assert jwks.json() == {"keys": []}
    assert "kid" not in jwt.get_unverified_header(user.tokens["access_token"])
