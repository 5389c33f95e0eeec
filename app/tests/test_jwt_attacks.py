"""Forged and tampered access tokens: each gets 401 on an authenticated endpoint.

Every forgery starts from the claims of a real, live session, so that the one
property under test is the only reason for the 401; the first test proves
that a token built this way with nothing wrong is accepted.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from app.tests.api_client import Api
from app.tests.conftest import TEST_JWT_SECRET

Claims = dict[str, Any]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def me_with(api: Api, token: str) -> httpx.Response:
    return await api.request(
        "GET", "read_current_user", headers={"Authorization": f"Bearer {token}"}
    )


async def assert_refused(api: Api, token: str) -> None:
    response = await me_with(api, token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def sign(claims: Claims, key: str = TEST_JWT_SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"typ": "at+jwt"})


def sign_by_hand(claims: Claims, algorithm: str, digest: Any) -> str:
    """HMAC over the test secret, whatever the header claims the algorithm is."""
    signing_input = ".".join(
        (
            b64url(json.dumps({"alg": algorithm, "typ": "at+jwt"}).encode()),
            b64url(json.dumps(claims).encode()),
        )
    )
    signature = hmac.new(TEST_JWT_SECRET.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


async def test_token_forged_with_the_right_secret_is_accepted(user: Api) -> None:
    assert (await me_with(user, sign({**user.claims, "jti": "forged"}))).status_code == 200
    by_hand = sign_by_hand(user.claims, "HS256", hashlib.sha256)
    assert (await me_with(user, by_hand)).status_code == 200


def alg_none(claims: Claims) -> str:
    # PyJWT takes "" as the absent key of "none" (its types no longer allow None).
    return jwt.encode(claims, "", algorithm="none")


def alg_none_signature_stripped_by_hand(claims: Claims) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


def other_hmac_algorithm_same_secret(claims: Claims) -> str:
    # Signed by hand: PyJWT refuses to sign HS512 with a key this short.
    return sign_by_hand(claims, "HS512", hashlib.sha512)


def rs256_header_hmac_signature(claims: Claims) -> str:
    # Algorithm confusion: an RS256 header, "signed" with HMAC over the secret
    # as if it were the public key.
    return sign_by_hand(claims, "RS256", hashlib.sha256)


def bad_signature(claims: Claims) -> str:
    return sign(claims, key="another secret of enough length 0123")


def tampered_payload(claims: Claims) -> str:
    header, _, signature = sign(claims).split(".")
    return f"{header}.{b64url(json.dumps({**claims, 'jti': 'tampered'}).encode())}.{signature}"


def other_issuer(claims: Claims) -> str:
    return sign({**claims, "iss": "someone-else"})


def past_exp(claims: Claims) -> str:
    now = int(time.time())
    return sign({**claims, "iat": now - 120, "exp": now - 60})


def future_iat(claims: Claims) -> str:
    return sign({**claims, "iat": int(time.time()) + 3600})


@pytest.mark.parametrize(
    "forge",
    [
        alg_none,
        alg_none_signature_stripped_by_hand,
        other_hmac_algorithm_same_secret,
        rs256_header_hmac_signature,
        bad_signature,
        tampered_payload,
        other_issuer,
        past_exp,
        future_iat,
    ],
    ids=lambda forge: forge.__name__,
)
async def test_forged_token_is_refused(user: Api, forge: Callable[[Claims], str]) -> None:
    await assert_refused(user, forge(user.claims))


@pytest.mark.parametrize("missing", ["iss", "sub", "iat", "exp", "jti", "sid"])
async def test_missing_claim_is_refused(user: Api, missing: str) -> None:
    claims = user.claims
    del claims[missing]
    await assert_refused(user, sign(claims))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", "not-a-uuid"), ("sid", "not-a-uuid"), ("sub", 12345), ("sid", ["x"])],
)
async def test_non_uuid_subject_or_session_is_refused(user: Api, claim: str, value: object) -> None:
    await assert_refused(user, sign({**user.claims, claim: value}))


async def test_session_of_another_user_is_refused(api: Api, user: Api) -> None:
    other = await api.new_user()
    await assert_refused(user, sign({**user.claims, "sid": other.claims["sid"]}))
