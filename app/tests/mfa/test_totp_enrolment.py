"""POST /users/me/mfa/totp and /totp/confirm: enrolment, confirmation, the secret at rest."""

import base64
import uuid

import asyncpg
import pyotp
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.hardening.production_settings import production_settings, security
from app.tests.mfa.support import confirm_totp, enable_totp, start_totp, totp_code


async def test_start_gives_secret_uri_and_qr_code(user: Api) -> None:
    response = await start_totp(user)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_code_svg"}
    assert len(base64.b32decode(body["secret"])) >= 20
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert pyotp.parse_uri(body["otpauth_uri"]).secret == body["secret"]
    assert body["qr_code_svg"].lstrip().startswith("<svg")


async def test_start_with_wrong_password_gives_400(user: Api) -> None:
    response = await start_totp(user, current_password="not my password")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CURRENT_PASSWORD}


async def test_start_needs_a_session(api: Api) -> None:
    response = await api.request("POST", "start_totp", json={"current_password": "x" * 10})
    assert response.status_code == 401


async def test_start_when_enabled_gives_409(user: Api) -> None:
    await enable_totp(user)
    response = await start_totp(user)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.MFA_ALREADY_ENABLED}


async def test_confirm_gives_ten_distinct_recovery_codes(user: Api) -> None:
    secret = (await start_totp(user)).json()["secret"]
    response = await confirm_totp(user, totp_code(secret))
    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10


async def test_confirm_with_wrong_code_gives_400_and_enables_nothing(user: Api) -> None:
    secret = (await start_totp(user)).json()["secret"]
    wrong = totp_code(secret, steps_from_now=5)
    response = await confirm_totp(user, wrong)
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CODE}
    assert (await user.login()).status_code == 200


async def test_confirm_takes_no_code_two_steps_away(user: Api) -> None:
    secret = (await start_totp(user)).json()["secret"]
    for steps in (-2, 2):
        assert (
            await confirm_totp(user, totp_code(secret, steps_from_now=steps))
        ).status_code == 400
    assert (await confirm_totp(user, totp_code(secret, steps_from_now=1))).status_code == 200


async def test_confirm_without_enrolment_gives_409(user: Api) -> None:
    response = await confirm_totp(user, "123456")
    assert response.status_code == 409
    assert response.json() == {"detail": messages.MFA_NOTHING_TO_CONFIRM}


async def test_confirm_when_enabled_gives_409(user: Api) -> None:
    secret, _ = await enable_totp(user)
    response = await confirm_totp(user, totp_code(secret, steps_from_now=1))
    assert response.status_code == 409


async def test_confirm_after_the_enrolment_expired_gives_409(
    user: Api, db: asyncpg.Connection
) -> None:
    secret = (await start_totp(user)).json()["secret"]
    await db.execute("UPDATE totp_factors SET expires_at = now() - interval '1 second'")
    assert (await confirm_totp(user, totp_code(secret))).status_code == 409


async def test_a_new_enrolment_replaces_the_unconfirmed_one(user: Api) -> None:
    first = (await start_totp(user)).json()["secret"]
    second = (await start_totp(user)).json()["secret"]
    assert first != second
    assert (await confirm_totp(user, totp_code(first))).status_code == 400
    assert (await confirm_totp(user, totp_code(second))).status_code == 200


async def test_confirm_revokes_every_other_session(user: Api) -> None:
    other = await user.new_session()
    await enable_totp(user)
    assert await other.session_revoked()
    assert await user.session_works()
    assert (await user.refresh()).status_code == 200


async def test_the_secret_is_encrypted_at_rest(user: Api, db: asyncpg.Connection) -> None:
    secret, _ = await enable_totp(user)
    row = await db.fetchrow("SELECT * FROM totp_factors WHERE user_id = $1", uuid.UUID(user.id))
    assert row is not None
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    assert secret.encode() not in stored
    assert base64.b32decode(secret) not in stored
    assert secret.lower().encode() not in stored


async def test_an_old_key_still_decrypts_after_rotation(
    make_api: ApiFactory, db: asyncpg.Connection
) -> None:
    old, new = "o" * 40, "n" * 40
    async with make_api(security={"data_encryption_key": old}) as api:
        user = await api.new_user()
        secret, _ = await enable_totp(user)
    rotated = {"data_encryption_key": new, "data_encryption_old_keys": [old]}
    async with make_api(security=rotated) as api:
        again = api.anonymous()
        response = await again.login(user.email, user.password)
        token = response.json()["mfa_token"]
        code = totp_code(secret, steps_from_now=1)
        granted = await again.token(grant_type="mfa_otp", mfa_token=token, otp=code)
        assert granted.status_code == 200


@pytest.mark.parametrize("key", [None, "s" * 31], ids=["missing", "31 bytes"])
def test_production_refuses_to_start_without_a_data_key(key: str | None) -> None:
    with pytest.raises(ValueError, match="SECURITY__DATA_ENCRYPTION_KEY"):
        production_settings(security=security(data_encryption_key=key))


async def test_confirm_with_a_code_that_is_no_totp_code_gives_400(user: Api) -> None:
    await start_totp(user)
    for code in ("abcdef", "12345", "1234567", "٣٣٣٣٣٣"):
        assert (await confirm_totp(user, code)).status_code == 400, code
