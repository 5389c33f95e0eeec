"""POST /users/me/passkeys/registration-options, POST, GET and DELETE /users/me/passkeys."""

import base64
import uuid

import asyncpg

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.passkeys.authenticator import Authenticator, b64url
from app.tests.passkeys.support import add_passkey, register, registration_options


async def test_options_ask_for_a_resident_key_and_user_verification(user: Api) -> None:
    options = await registration_options(user)
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert {p["alg"] for p in options["pubKeyCredParams"]} >= {-7, -8, -257}
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) >= 16
    assert "publicKey" not in options


async def test_the_user_handle_is_random_stable_and_not_the_email(user: Api) -> None:
    first = await registration_options(user)
    second = await registration_options(user)
    handle = base64.urlsafe_b64decode(first["user"]["id"] + "==")
    assert first["user"]["id"] == second["user"]["id"]
    assert 16 <= len(handle) <= 64
    assert user.email.encode() not in handle
    assert first["challenge"] != second["challenge"]


async def test_options_exclude_the_users_passkeys(user: Api) -> None:
    authenticator = Authenticator()
    await register(user, authenticator)
    options = await registration_options(user)
    excluded = [entry["id"] for entry in options["excludeCredentials"]]
    assert excluded == [b64url(authenticator.credentials[0].credential_id)]


async def test_register_gives_201_passkey_with_default_name(user: Api) -> None:
    passkey = await register(user, Authenticator())
    assert set(passkey) == {"passkey_id", "name", "created_at", "last_used_at"}
    assert passkey["name"] == "Passkey"
    assert passkey["last_used_at"] is None
    uuid.UUID(passkey["passkey_id"])


async def test_register_keeps_the_given_name_and_lists_it(user: Api) -> None:
    await register(user, Authenticator(), name="Laptop")
    response = await user.request("GET", "list_passkeys")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["Laptop"]


async def test_names_outside_1_to_64_characters_get_422(user: Api) -> None:
    authenticator = Authenticator()
    for name in ("", "n" * 65):
        credential = authenticator.create(await registration_options(user))
        assert (await add_passkey(user, credential, name=name)).status_code == 422


async def test_a_challenge_registers_once(user: Api) -> None:
    authenticator = Authenticator()
    options = await registration_options(user)
    assert (await add_passkey(user, authenticator.create(options))).status_code == 201
    response = await add_passkey(user, authenticator.create(options))
    assert response.status_code == 400
    assert response.json() == {"detail": messages.PASSKEY_NOT_VERIFIED}


async def test_another_users_challenge_is_refused(user: Api, api: Api) -> None:
    other = await api.new_user()
    credential = Authenticator().create(await registration_options(other))
    assert (await add_passkey(user, credential)).status_code == 400
    # The challenge stays the other user's: the refused attempt did not spend it.
    assert (await add_passkey(other, credential)).status_code == 201


async def test_an_expired_challenge_is_refused(user: Api, db: asyncpg.Connection) -> None:
    options = await registration_options(user)
    await db.execute("UPDATE webauthn_challenges SET expires_at = now() - interval '1 second'")
    assert (await add_passkey(user, Authenticator().create(options))).status_code == 400


async def test_another_origin_is_refused(user: Api) -> None:
    credential = Authenticator().create(
        await registration_options(user), origin="https://evil.example"
    )
    assert (await add_passkey(user, credential)).status_code == 400


async def test_another_rp_id_is_refused(user: Api) -> None:
    credential = Authenticator().create(await registration_options(user), rp_id="evil.example")
    assert (await add_passkey(user, credential)).status_code == 400


async def test_a_response_without_user_verification_is_refused(user: Api) -> None:
    credential = Authenticator().create(await registration_options(user), flags=0x01)
    assert (await add_passkey(user, credential)).status_code == 400


async def test_a_credential_id_registered_before_is_refused(user: Api, api: Api) -> None:
    authenticator = Authenticator()
    await register(user, authenticator)
    taken = authenticator.credentials[0].credential_id
    again = authenticator.create(await registration_options(user), credential_id=taken)
    assert (await add_passkey(user, again)).status_code == 400
    other = await api.new_user()
    stolen = Authenticator().create(await registration_options(other), credential_id=taken)
    assert (await add_passkey(other, stolen)).status_code == 400


async def test_malformed_credentials_get_400_or_422(user: Api) -> None:
    await registration_options(user)
    for credential in ({}, {"response": {"clientDataJSON": "!!"}}, {"response": "x"}):
        response = await add_passkey(user, credential)
        assert response.status_code == 400, credential
    assert (await add_passkey(user, "not an object")).status_code == 422  # type: ignore[arg-type]


async def test_registration_needs_a_session(api: Api) -> None:
    assert (await api.request("POST", "passkey_registration_options")).status_code == 401
    assert (await api.request("GET", "list_passkeys")).status_code == 401


async def test_delete_removes_the_passkey(user: Api) -> None:
    passkey = await register(user, Authenticator())
    url = user.url("delete_passkey", passkey_id=passkey["passkey_id"])
    assert (await user.request("DELETE", url)).status_code == 204
    assert (await user.request("GET", "list_passkeys")).json() == []
    assert (await user.request("DELETE", url)).status_code == 404


async def test_another_users_passkey_is_404_and_stays(user: Api, api: Api) -> None:
    other = await api.new_user()
    passkey = await register(other, Authenticator())
    url = user.url("delete_passkey", passkey_id=passkey["passkey_id"])
    response = await user.request("DELETE", url)
    assert response.status_code == 404
    assert response.json() == {"detail": messages.PASSKEY_NOT_FOUND}
    assert len((await other.request("GET", "list_passkeys")).json()) == 1


async def test_delete_with_a_malformed_id_gives_422(user: Api) -> None:
    assert (await user.request("DELETE", "/users/me/passkeys/not-a-uuid")).status_code == 422


async def test_only_the_configured_origins_may_register(make_api: ApiFactory) -> None:
    origins = {"origins": ["https://accounts.example.com"]}
    async with make_api(webauthn=origins) as api:
        user = await api.new_user()
        local = Authenticator().create(await registration_options(user))
        assert (await add_passkey(user, local)).status_code == 400
        configured = Authenticator(origin="https://accounts.example.com")
        credential = configured.create(await registration_options(user))
        assert (await add_passkey(user, credential)).status_code == 201


async def test_registration_counts_against_the_address(make_api: ApiFactory) -> None:
    async with make_api(throttle={"requests_per_address": 2}) as api:
        user = await api.new_user()
        options = await registration_options(user)
        credential = Authenticator().create(options)
        assert (await add_passkey(user, credential)).status_code == 201
        throttled = await user.request("POST", "passkey_registration_options")
        assert throttled.status_code == 429
