"""DELETE /users/me/mfa/totp and POST /users/me/mfa/recovery-codes."""

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.mfa.support import (
    disable_totp,
    enable_totp,
    mfa_grant,
    password_step,
    regenerate_recovery_codes,
    start_totp,
    totp_code,
)


async def test_disable_with_a_totp_code_turns_the_factor_off(user: Api) -> None:
    secret, _ = await enable_totp(user)
    response = await disable_totp(user, totp_code(secret))
    assert response.status_code == 204
    assert (await user.login()).status_code == 200
    assert user.claims["amr"] == ["pwd"]


async def test_disable_with_a_recovery_code_works(user: Api) -> None:
    _, codes = await enable_totp(user)
    assert (await disable_totp(user, codes[3])).status_code == 204


async def test_disable_removes_the_recovery_codes(user: Api) -> None:
    secret, codes = await enable_totp(user)
    assert (await disable_totp(user, codes[0])).status_code == 204
    new_secret, _ = await enable_totp(user, steps_from_now=1)
    assert new_secret != secret
    response = await mfa_grant(user, await password_step(user), codes[1])
    assert response.status_code == 400


async def test_disable_with_wrong_password_gives_400(user: Api) -> None:
    secret, _ = await enable_totp(user)
    response = await disable_totp(user, totp_code(secret), current_password="not my password")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CURRENT_PASSWORD}


async def test_disable_with_wrong_code_gives_400(user: Api) -> None:
    await enable_totp(user)
    response = await disable_totp(user, "not-a-code")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CODE}
    assert (await user.login()).status_code == 403


async def test_disable_when_not_enabled_gives_409(user: Api) -> None:
    assert (await disable_totp(user, "123456")).status_code == 409
    await start_totp(user)  # pending only
    response = await disable_totp(user, "123456")
    assert response.status_code == 409
    assert response.json() == {"detail": messages.MFA_NOT_ENABLED}


async def test_disable_kills_outstanding_mfa_tokens(user: Api) -> None:
    secret, codes = await enable_totp(user)
    token = await password_step(user)
    assert (await disable_totp(user, codes[0])).status_code == 204
    assert (await mfa_grant(user.copy(), token, totp_code(secret))).status_code == 400


async def test_disable_revokes_no_session(user: Api) -> None:
    secret, _ = await enable_totp(user)
    other = user.copy()
    assert (
        await mfa_grant(other, await password_step(other), totp_code(secret))
    ).status_code == 200
    assert (await disable_totp(user, totp_code(secret, steps_from_now=1))).status_code == 204
    assert await user.session_works()
    assert await other.session_works()


async def test_a_step_used_before_disabling_is_refused_after_re_enrolment(user: Api) -> None:
    secret, _ = await enable_totp(user)
    assert (await disable_totp(user, totp_code(secret, steps_from_now=1))).status_code == 204
    new_secret = (await start_totp(user)).json()["secret"]
    response = await user.request(
        "POST", "confirm_totp", json={"code": totp_code(new_secret, steps_from_now=1)}
    )
    assert response.status_code == 400


async def test_regenerate_gives_new_codes_and_the_old_ones_stop(user: Api) -> None:
    secret, old = await enable_totp(user)
    response = await regenerate_recovery_codes(user, totp_code(secret))
    assert response.status_code == 200
    new = response.json()["recovery_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert (await mfa_grant(user, await password_step(user), old[1])).status_code == 400
    assert (await mfa_grant(user, await password_step(user), new[0])).status_code == 200


async def test_regenerate_with_a_recovery_code_spends_it(user: Api) -> None:
    _, codes = await enable_totp(user)
    assert (await regenerate_recovery_codes(user, codes[0])).status_code == 200
    assert (await regenerate_recovery_codes(user, codes[0])).status_code == 400


async def test_regenerate_with_wrong_code_gives_400(user: Api) -> None:
    _, codes = await enable_totp(user)
    response = await regenerate_recovery_codes(user, "999999")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CODE}
    assert (await mfa_grant(user, await password_step(user), codes[0])).status_code == 200


async def test_regenerate_when_not_enabled_gives_409(user: Api) -> None:
    assert (await regenerate_recovery_codes(user, "123456")).status_code == 409


async def test_codes_too_long_or_empty_get_422_without_echo(user: Api) -> None:
    await enable_totp(user)
    for code in ("", "9" * 65):
        response = await regenerate_recovery_codes(user, code)
        assert response.status_code == 422
        assert "9" * 65 not in response.text


async def test_wrong_codes_on_these_calls_count_against_the_account(make_api: ApiFactory) -> None:
    async with make_api(throttle={"mfa_failures_per_account": 2}) as api:
        user = await api.new_user()
        secret, _ = await enable_totp(user)
        for _ in range(2):
            assert (await regenerate_recovery_codes(user, "000000")).status_code == 400
        throttled = await regenerate_recovery_codes(user, totp_code(secret))
        assert throttled.status_code == 429
        assert "retry-after" in throttled.headers
