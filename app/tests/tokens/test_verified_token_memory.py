"""Tokens already verified are recognised by their text, never past their `exp`."""

import time
import uuid

import pytest

from app.core.security import jwt as access_jwt
from app.core.security.jwt import AccessTokens, InvalidAccessTokenError


def access_tokens(lifetime_secs: int = 900) -> AccessTokens:
    return AccessTokens(
        secret="s" * 64,
        algorithm="HS256",
        issuer="https://auth.example",
        audience="https://auth.example",
        lifetime_secs=lifetime_secs,
    )


def new_token(tokens: AccessTokens) -> str:
    token, _ = tokens.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), amr=["pwd"])
    return token


def test_a_remembered_token_is_refused_once_its_exp_has_passed() -> None:
    tokens = access_tokens(lifetime_secs=1)
    token = new_token(tokens)
    claims = tokens.verified_claims(token)
    assert tokens.verified_claims(token) is claims  # remembered
    time.sleep(claims["exp"] - time.time() + 0.05)
    with pytest.raises(InvalidAccessTokenError):
        tokens.verified_claims(token)


def test_a_token_differing_by_one_character_is_checked_in_full() -> None:
    tokens = access_tokens()
    token = new_token(tokens)
    tokens.verified_claims(token)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    for _ in range(2):  # a refused token is not remembered either
        with pytest.raises(InvalidAccessTokenError):
            tokens.verified_claims(forged)


def test_the_oldest_remembered_token_makes_room_and_still_verifies() -> None:
    tokens = access_tokens()
    first = new_token(tokens)
    first_claims = tokens.verified_claims(first)
    for _ in range(access_jwt.VERIFIED_TOKENS_KEPT):
        tokens.verified_claims(new_token(tokens))
    again = tokens.verified_claims(first)
    assert again == first_claims
    assert again is not first_claims  # checked anew, not remembered
