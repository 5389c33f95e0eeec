"""POST /auth/passkey/options and the `passkey` grant of POST /auth/access-token."""

import asyncio
import json

import asyncpg

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import deactivate
from app.tests.mfa.support import enable_totp, error_of
from app.tests.passkeys.authenticator import Authenticator, b64url
from app.tests.passkeys.support import passkey_grant, register, sign_in, sign_in_options


async def registered(user: Api) -> Authenticator:
    authenticator = Authenticator()
    await register(user, authenticator)
    return authenticator


def refused(response: object) -> bool:
    status = getattr(response, "status_code", None)
    return status == 400 and error_of(response) == "invalid_grant"  # type: ignore[arg-type]


async def test_options_are_for_discoverable_credentials_with_user_verification(api: Api) -> None:
    options = await sign_in_options(api)
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []
    assert "publicKey" not in options


async def test_a_passkey_signs_in_with_amr_hwk_user(user: Api) -> None:
    authenticator = await registered(user)
    client = user.anonymous()
    response = await sign_in(client, authenticator)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert client.claims["amr"] == ["hwk", "user"]
    assert client.claims["sub"] == user.id
    assert await client.session_works()


async def test_a_passkey_satisfies_the_second_factor(user: Api) -> None:
    authenticator = await registered(user)
    await enable_totp(user)
    assert (await sign_in(user.anonymous(), authenticator)).status_code == 200


async def test_sign_in_sets_last_used_at(user: Api) -> None:
    authenticator = await registered(user)
    await sign_in(user.anonymous(), authenticator)
    [passkey] = (await user.request("GET", "list_passkeys")).json()
    assert passkey["last_used_at"] is not None


async def test_a_challenge_signs_in_once(user: Api) -> None:
    authenticator = await registered(user)
    options = await sign_in_options(user)
    assert (await passkey_grant(user.anonymous(), authenticator.get(options))).status_code == 200
    assert refused(await passkey_grant(user.anonymous(), authenticator.get(options)))


async def test_one_assertion_sent_twice_at_once_signs_in_once(user: Api) -> None:
    authenticator = await registered(user)
    credential = authenticator.get(await sign_in_options(user))
    responses = await asyncio.gather(
        passkey_grant(user.anonymous(), credential), passkey_grant(user.anonymous(), credential)
    )
    assert sorted(r.status_code for r in responses) == [200, 400]


async def test_an_expired_challenge_is_refused(user: Api, db: asyncpg.Connection) -> None:
    authenticator = await registered(user)
    options = await sign_in_options(user)
    await db.execute("UPDATE webauthn_challenges SET expires_at = now() - interval '1 second'")
    assert refused(await passkey_grant(user.anonymous(), authenticator.get(options)))


async def test_a_registration_challenge_cannot_sign_in(user: Api) -> None:
    authenticator = await registered(user)
    options = (await user.request("POST", "passkey_registration_options")).json()
    assert refused(await passkey_grant(user.anonymous(), authenticator.get(options)))


async def test_another_origin_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    assert refused(await sign_in(user.anonymous(), authenticator, origin="https://evil.example"))


async def test_another_rp_id_hash_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    assert refused(await sign_in(user.anonymous(), authenticator, rp_id="evil.example"))


async def test_a_bad_signature_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    assert refused(await sign_in(user.anonymous(), authenticator, bad_signature=True))


async def test_no_user_verification_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    assert refused(await sign_in(user.anonymous(), authenticator, flags=0x01))


async def test_a_counter_going_back_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    assert (await sign_in(user.anonymous(), authenticator, sign_count=5)).status_code == 200
    assert refused(await sign_in(user.anonymous(), authenticator, sign_count=3))
    assert refused(await sign_in(user.anonymous(), authenticator, sign_count=5))
    assert (await sign_in(user.anonymous(), authenticator, sign_count=6)).status_code == 200


async def test_an_authenticator_without_a_counter_keeps_signing_in(user: Api) -> None:
    authenticator = await registered(user)
    for _ in range(2):
        assert (await sign_in(user.anonymous(), authenticator, sign_count=0)).status_code == 200


async def test_an_unknown_credential_is_refused(user: Api) -> None:
    await registered(user)
    stranger = Authenticator()
    stranger.create((await user.request("POST", "passkey_registration_options")).json())
    assert refused(await sign_in(user.anonymous(), stranger))


async def test_a_user_handle_of_another_account_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    authenticator.credentials[0].user_handle = b"someone else"
    assert refused(await sign_in(user.anonymous(), authenticator))


async def test_a_removed_passkey_no_longer_signs_in(user: Api) -> None:
    authenticator = await registered(user)
    [passkey] = (await user.request("GET", "list_passkeys")).json()
    await user.request("DELETE", user.url("delete_passkey", passkey_id=passkey["passkey_id"]))
    assert refused(await sign_in(user.anonymous(), authenticator))


async def test_an_inactive_account_is_refused(user: Api, db: asyncpg.Connection) -> None:
    authenticator = await registered(user)
    await deactivate(db, user.id)
    assert refused(await sign_in(user.anonymous(), authenticator))


async def test_malformed_credentials_are_refused(api: Api) -> None:
    for credential in ("not json", "[]", "{}", json.dumps({"response": {"clientDataJSON": 1}})):
        response = await passkey_grant(api, credential)
        assert refused(response), credential
        assert response.json()["detail"] == messages.PASSKEY_SIGN_IN_FAILED


async def test_a_live_challenge_with_a_malformed_rest_is_refused_and_spent(user: Api) -> None:
    authenticator = await registered(user)
    credential = authenticator.get(await sign_in_options(user))
    broken = {**credential, "rawId": "%%% not base64url %%%", "id": None}
    assert refused(await passkey_grant(user.anonymous(), broken))
    # The challenge was claimed before the rest was read: the intact response is refused too.
    assert refused(await passkey_grant(user.anonymous(), credential))


async def test_a_tampered_authenticator_data_is_refused(user: Api) -> None:
    authenticator = await registered(user)
    credential = authenticator.get(await sign_in_options(user))
    credential["response"]["authenticatorData"] = b64url(b"\x00" * 37)
    assert refused(await passkey_grant(user.anonymous(), credential))


async def test_a_missing_credential_is_invalid_request(api: Api) -> None:
    response = await api.token(grant_type="passkey")
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


async def test_options_are_throttled_per_address(make_api: ApiFactory) -> None:
    async with make_api(throttle={"requests_per_address": 2}) as api:
        for _ in range(2):
            assert (
                await api.request("POST", "passkey_sign_in_options", json={})
            ).status_code == 200
        throttled = await api.request("POST", "passkey_sign_in_options", json={})
        assert throttled.status_code == 429
        assert "retry-after" in throttled.headers


async def test_two_sign_ins_with_one_counter_value_at_once_one_wins(user: Api) -> None:
    authenticator = await registered(user)
    first, second = await sign_in_options(user), await sign_in_options(user)
    credentials = [authenticator.get(options, sign_count=7) for options in (first, second)]
    responses = await asyncio.gather(
        *(passkey_grant(user.anonymous(), credential) for credential in credentials)
    )
    assert sorted(r.status_code for r in responses) == [200, 400]
