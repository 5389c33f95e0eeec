"""SECURITY__REQUIRE_MFA_FOR_SUPERUSERS: administration needs a session with a second factor."""

import asyncpg
import pytest

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import promote_to_superuser
from app.tests.mfa.support import enable_totp, mfa_grant, password_step, totp_code
from app.tests.passkeys.authenticator import Authenticator
from app.tests.passkeys.support import register, sign_in


@pytest.fixture
def strict(make_api: ApiFactory) -> ApiFactory:
    return lambda: make_api(security={"require_mfa_for_superusers": True})


async def test_a_password_session_gets_403_second_factor_required(
    strict: ApiFactory, db: asyncpg.Connection
) -> None:
    async with strict() as api:
        admin = await api.new_user()
        await promote_to_superuser(db, admin.id)
        response = await admin.list_users()
        assert response.status_code == 403
        assert response.json() == {"detail": messages.SECOND_FACTOR_REQUIRED}
        assert (await admin.get_user(admin.id)).status_code == 403


async def test_an_otp_session_may_administer_and_keeps_it_across_refresh(
    strict: ApiFactory, db: asyncpg.Connection
) -> None:
    async with strict() as api:
        admin = await api.new_user()
        await promote_to_superuser(db, admin.id)
        secret, _ = await enable_totp(admin)
        assert (
            await mfa_grant(admin, await password_step(admin), totp_code(secret))
        ).status_code == 200
        assert (await admin.list_users()).status_code == 200
        assert (await admin.refresh()).status_code == 200
        assert admin.claims["amr"] == ["pwd", "otp"]
        assert (await admin.list_users()).status_code == 200


async def test_a_passkey_session_may_administer(strict: ApiFactory, db: asyncpg.Connection) -> None:
    async with strict() as api:
        admin = await api.new_user()
        await promote_to_superuser(db, admin.id)
        authenticator = Authenticator()
        await register(admin, authenticator)
        signed_in = admin.anonymous()
        assert (await sign_in(signed_in, authenticator)).status_code == 200
        assert (await signed_in.list_users()).status_code == 200


async def test_off_by_default(admin: Api) -> None:
    assert (await admin.list_users()).status_code == 200


async def test_sessions_list_shows_the_amr(user: Api) -> None:
    secret, _ = await enable_totp(user)
    assert (await mfa_grant(user, await password_step(user), totp_code(secret))).status_code == 200
    sessions = (await user.request("GET", "/users/me/sessions")).json()
    assert sorted(s["amr"] for s in sessions) == [["pwd"], ["pwd", "otp"]]
