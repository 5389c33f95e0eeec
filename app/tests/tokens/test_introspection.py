"""POST /auth/introspect (RFC 7662): live, logged-out, expired, spent, deleted-user and
garbage tokens; it never changes state."""

import time

import asyncpg
import jwt
import pytest

from app.tests.api_client import Api, ApiFactory
from app.tests.conftest import TEST_JWT_SECRET
from app.tests.factories import deactivate
from app.tests.tokens.support import CLIENT_AUTH as CLIENT_AUTH_HEADERS
from app.tests.tokens.support import INTROSPECTION, introspect

INACTIVE = {"active": False}


async def test_a_live_access_token_is_active_with_its_claims(service: Api) -> None:
    user = await service.new_user()
    response = await introspect(service, user.tokens["access_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    claims = user.claims
    assert response.json() == {
        "active": True,
        "token_type": "access_token",
        **{name: claims[name] for name in ("sub", "sid", "exp", "iat", "iss", "aud", "amr")},
        "email": user.email,
    }


async def test_a_live_refresh_token_is_active_with_its_session(service: Api) -> None:
    user = await service.new_user()
    response = await introspect(service, user.tokens["refresh_token"])
    body = response.json()
    assert body.pop("iat") <= time.time() + 1
    assert body == {
        "active": True,
        "token_type": "refresh_token",
        "sub": user.id,
        "sid": user.claims["sid"],
        "exp": user.tokens["refresh_token_expires_at"],
        "iss": user.claims["iss"],
        "aud": user.claims["aud"],
        "amr": ["pwd"],
        "email": user.email,
    }


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "anything"])
async def test_the_hint_never_changes_the_answer(service: Api, hint: str) -> None:
    user = await service.new_user()
    for kind in ("access_token", "refresh_token"):
        response = await introspect(service, user.tokens[kind], token_type_hint=hint)
        assert response.json()["token_type"] == kind


async def test_after_logout_both_tokens_are_inactive(service: Api) -> None:
    user = await service.new_user()
    assert (await user.logout()).status_code == 204
    for kind in ("access_token", "refresh_token"):
        assert (await introspect(service, user.tokens[kind])).json() == INACTIVE


async def test_an_expired_access_token_is_inactive(service: Api) -> None:
    user = await service.new_user()
    now = int(time.time())
    expired = jwt.encode(
        {**user.claims, "iat": now - 60, "exp": now - 1},
        TEST_JWT_SECRET,
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )
    assert (
        await user.request(
            "GET", "read_current_user", headers={"Authorization": f"Bearer {expired}"}
        )
    ).status_code == 401
    assert (await introspect(service, expired)).json() == INACTIVE


async def test_an_expired_refresh_token_is_inactive(service: Api, db: asyncpg.Connection) -> None:
    user = await service.new_user()
    await db.execute(
        "UPDATE user_sessions SET refresh_expires_at = now() WHERE session_id = $1",
        user.claims["sid"],
    )
    assert (await introspect(service, user.tokens["refresh_token"])).json() == INACTIVE


async def test_a_spent_refresh_token_is_inactive_and_its_session_untouched(
    make_api: ApiFactory,
) -> None:
    async with make_api(
        introspection=INTROSPECTION, security={"refresh_reuse_grace_secs": 0}
    ) as service:
        user = await service.new_user()
        spent = user.tokens["refresh_token"]
        assert (await user.refresh()).status_code == 200
        for _ in range(3):
            assert (await introspect(service, spent)).json() == INACTIVE
        # No reuse detection: the successor and the access token still work.
        assert (await introspect(service, user.tokens["refresh_token"])).json()["active"]
        assert await user.session_works()
        assert (await user.refresh()).status_code == 200


async def test_introspection_spends_nothing(service: Api) -> None:
    user = await service.new_user()
    for _ in range(3):
        assert (await introspect(service, user.tokens["refresh_token"])).json()["active"]
    assert (await user.refresh()).status_code == 200


async def test_a_deleted_users_tokens_are_inactive(service: Api) -> None:
    user = await service.new_user()
    assert (await user.delete_me()).status_code == 204
    for kind in ("access_token", "refresh_token"):
        assert (await introspect(service, user.tokens[kind])).json() == INACTIVE


async def test_a_deactivated_users_tokens_are_inactive(
    service: Api, db: asyncpg.Connection
) -> None:
    user = await service.new_user()
    await deactivate(db, user.id)
    for kind in ("access_token", "refresh_token"):
        assert (await introspect(service, user.tokens[kind])).json() == INACTIVE


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "a" * 75,
        "x" * 10_000,
        "eyJhbGciOiJub25lIn0.e30.",
        "a.b.c",
        "\u00e9" * 75,
        "\ud7ff" * 3,
    ],
)
async def test_garbage_is_inactive(service: Api, token: str) -> None:
    response = await introspect(service, token)
    assert (response.status_code, response.json()) == (200, INACTIVE)


async def test_a_token_with_a_forged_signature_is_inactive(service: Api) -> None:
    user = await service.new_user()
    forged = jwt.encode(
        user.claims, "another-secret-" + "y" * 40, algorithm="HS256", headers={"typ": "at+jwt"}
    )
    assert (await introspect(service, forged)).json() == INACTIVE


@pytest.mark.parametrize("token", [None, ""])
async def test_a_missing_token_gets_400_invalid_request(service: Api, token: str | None) -> None:
    response = await introspect(service, token, token_type_hint="access_token")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


async def test_a_json_body_gets_400_invalid_request(service: Api) -> None:
    response = await service.request(
        "POST", "introspect_token", json={"token": "x"}, headers=CLIENT_AUTH_HEADERS
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=b", b"--b--"),
        ("text/plain", b"token=x"),
        ("application/x-www-form-urlencoded", "token=\u00e9".encode()),
        ("application/x-www-form-urlencoded", b"token=%FF"),
        ("application/x-www-form-urlencoded", b"token"),
        ("application/x-www-form-urlencoded", b"token=a&token=b"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(21))),
    ],
)
@pytest.mark.parametrize("route", ["introspect_token", "revoke_token"])
async def test_a_malformed_form_gets_400_invalid_request(
    service: Api, route: str, content_type: str, body: bytes
) -> None:
    headers = {**CLIENT_AUTH_HEADERS, "Content-Type": content_type}
    response = await service.request("POST", route, content=body, headers=headers)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
