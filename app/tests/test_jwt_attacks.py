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
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.tests.conftest import TEST_JWT_SECRET
from app.tests.factories import claims_of, register_and_login, url


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def live_claims(client: httpx.AsyncClient, app: FastAPI) -> dict[str, Any]:
    _, tokens = await register_and_login(client, app)
    return claims_of(tokens)


async def status_with(client: httpx.AsyncClient, app: FastAPI, token: str) -> httpx.Response:
    return await client.get(
        url(app, "read_current_user"), headers={"Authorization": f"Bearer {token}"}
    )


def sign(claims: dict[str, Any], key: str = TEST_JWT_SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"typ": "at+jwt"})


def sign_by_hand(claims: dict[str, Any], algorithm: str, digest: Any) -> str:
    """HMAC over the test secret, whatever the header claims the algorithm is."""
    signing_input = ".".join(
        (
            b64url(json.dumps({"alg": algorithm, "typ": "at+jwt"}).encode()),
            b64url(json.dumps(claims).encode()),
        )
    )
    signature = hmac.new(TEST_JWT_SECRET.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


async def test_token_forged_with_the_right_secret_is_accepted(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    assert (await status_with(client, app, sign({**claims, "jti": "forged"}))).status_code == 200
    by_hand = sign_by_hand(claims, "HS256", hashlib.sha256)
    assert (await status_with(client, app, by_hand)).status_code == 200


async def assert_refused(client: httpx.AsyncClient, app: FastAPI, token: str) -> None:
    response = await status_with(client, app, token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_alg_none_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    await assert_refused(client, app, jwt.encode(claims, None, algorithm="none"))


async def test_alg_none_with_signature_stripped_by_hand_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    await assert_refused(client, app, f"{header}.{payload}.")


async def test_other_hmac_algorithm_with_the_same_secret_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    claims = await live_claims(client, app)
    # Signed by hand: PyJWT refuses to sign HS512 with a key this short.
    await assert_refused(client, app, sign_by_hand(claims, "HS512", hashlib.sha512))


async def test_rs256_header_with_hmac_signature_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # Algorithm confusion: an RS256 header, "signed" with HMAC over the secret
    # as if it were the public key.
    claims = await live_claims(client, app)
    await assert_refused(client, app, sign_by_hand(claims, "RS256", hashlib.sha256))


async def test_bad_signature_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    await assert_refused(client, app, sign(claims, key="another secret of enough length 0123"))


async def test_tampered_payload_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    header, _, signature = sign(claims).split(".")
    payload = b64url(json.dumps({**claims, "jti": "tampered"}).encode())
    await assert_refused(client, app, f"{header}.{payload}.{signature}")


async def test_other_issuer_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    await assert_refused(client, app, sign({**claims, "iss": "someone-else"}))


async def test_past_exp_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    now = int(time.time())
    await assert_refused(client, app, sign({**claims, "iat": now - 120, "exp": now - 60}))


async def test_future_iat_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    claims = await live_claims(client, app)
    await assert_refused(client, app, sign({**claims, "iat": int(time.time()) + 3600}))


@pytest.mark.parametrize("missing", ["iss", "sub", "iat", "exp", "jti", "sid"])
async def test_missing_claim_is_refused(
    client: httpx.AsyncClient, app: FastAPI, missing: str
) -> None:
    claims = await live_claims(client, app)
    del claims[missing]
    await assert_refused(client, app, sign(claims))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", "not-a-uuid"), ("sid", "not-a-uuid"), ("sub", 12345), ("sid", ["x"])],
)
async def test_non_uuid_subject_or_session_is_refused(
    client: httpx.AsyncClient, app: FastAPI, claim: str, value: object
) -> None:
    claims = await live_claims(client, app)
    await assert_refused(client, app, sign({**claims, claim: value}))


async def test_session_of_another_user_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    mine = await live_claims(client, app)
    theirs = await live_claims(client, app)
    await assert_refused(client, app, sign({**mine, "sid": theirs["sid"]}))
