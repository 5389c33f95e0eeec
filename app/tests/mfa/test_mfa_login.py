"""Login with a second factor: the 403 `mfa_required`, then the `mfa_otp` grant."""

import asyncio
import uuid

import asyncpg

from app.tests.api_client import Api, ApiFactory, messages
from app.tests.factories import deactivate
from app.tests.mfa.support import enable_totp, error_of, mfa_grant, password_step, totp_code


async def sessions_of(db: asyncpg.Connection, user: Api) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL",
        uuid.UUID(user.id),
    )
    return count


async def test_right_password_gets_403_mfa_required_and_no_session(
    user: Api, db: asyncpg.Connection
) -> None:
    await enable_totp(user)
    before = await sessions_of(db, user)
    response = await user.login()
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"error", "detail", "mfa_token", "mfa_methods"}
    assert body["error"] == "mfa_required"
    assert body["detail"] == messages.MFA_REQUIRED
    assert body["mfa_methods"] == ["totp", "recovery_code"]
    assert len(body["mfa_token"]) >= 22  # at least 128 bits in base64url
    assert response.headers["cache-control"] == "no-store"
    assert await sessions_of(db, user) == before


async def test_the_mfa_token_is_stored_only_as_a_hash(user: Api, db: asyncpg.Connection) -> None:
    await enable_totp(user)
    token = await password_step(user)
    rows = await db.fetch("SELECT token_hash FROM mfa_login_attempts")
    assert len(rows) == 1
    assert token.encode() not in rows[0]["token_hash"]


async def test_wrong_password_gets_the_usual_400(user: Api) -> None:
    await enable_totp(user)
    response = await user.login(password="not my password")
    assert response.status_code == 400
    assert response.json() == {
        "detail": messages.INCORRECT_EMAIL_OR_PASSWORD,
        "error": "invalid_grant",
    }


async def test_inactive_account_gets_the_usual_400(user: Api, db: asyncpg.Connection) -> None:
    await enable_totp(user)
    await deactivate(db, user.id)
    response = await user.login()
    assert response.status_code == 400
    assert "mfa_token" not in response.json()


async def test_totp_code_opens_a_session_with_amr_pwd_otp(user: Api) -> None:
    secret, _ = await enable_totp(user)
    response = await mfa_grant(user, await password_step(user), totp_code(secret))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert set(response.json()) >= {"access_token", "refresh_token", "expires_at"}
    assert user.claims["amr"] == ["pwd", "otp"]
    assert await user.session_works()


async def test_a_totp_code_is_accepted_once(user: Api) -> None:
    secret, _ = await enable_totp(user)
    code = totp_code(secret)
    assert (await mfa_grant(user, await password_step(user), code)).status_code == 200
    replayed = await mfa_grant(user, await password_step(user), code)
    assert replayed.status_code == 400
    assert error_of(replayed) == "invalid_grant"


async def test_an_earlier_step_is_refused_after_a_later_one(user: Api) -> None:
    secret, _ = await enable_totp(user)
    later = totp_code(secret, steps_from_now=1)
    assert (await mfa_grant(user, await password_step(user), later)).status_code == 200
    earlier = totp_code(secret)
    assert (await mfa_grant(user, await password_step(user), earlier)).status_code == 400


async def test_the_confirming_code_cannot_log_in(user: Api) -> None:
    secret, _ = await enable_totp(user)  # confirmed with the previous step's code
    previous = totp_code(secret, steps_from_now=-1)
    assert (await mfa_grant(user, await password_step(user), previous)).status_code == 400


async def test_two_logins_with_one_code_at_once_one_wins(user: Api) -> None:
    secret, _ = await enable_totp(user)
    tokens = [await password_step(user), await password_step(user)]
    code = totp_code(secret)
    responses = await asyncio.gather(*(mfa_grant(user.copy(), token, code) for token in tokens))
    assert sorted(r.status_code for r in responses) == [200, 400]


async def test_two_requests_with_one_token_at_once_open_one_session(user: Api) -> None:
    secret, codes = await enable_totp(user)
    token = await password_step(user)
    responses = await asyncio.gather(
        mfa_grant(user.copy(), token, totp_code(secret)), mfa_grant(user.copy(), token, codes[0])
    )
    assert sorted(r.status_code for r in responses) == [200, 400]


async def test_codes_sent_at_once_with_one_token_spend_only_the_winners(user: Api) -> None:
    _, codes = await enable_totp(user)
    token = await password_step(user)
    racing = codes[:4]
    responses = await asyncio.gather(*(mfa_grant(user.copy(), token, code) for code in racing))
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200, 400, 400, 400]
    assert all(error_of(r) == "invalid_grant" for r in responses if r.status_code == 400)
    # Every loser's recovery code still logs in: the race spent none of them.
    losers = [code for code, status in zip(racing, statuses, strict=True) if status == 400]
    for code in losers:
        response = await mfa_grant(user, await password_step(user), code)
        assert response.status_code == 200, code


async def test_a_recovery_code_logs_in_once_whatever_its_case_and_spacing(user: Api) -> None:
    _, codes = await enable_totp(user)
    typed = " " + codes[0].upper().replace("-", " ") + " "
    response = await mfa_grant(user, await password_step(user), typed)
    assert response.status_code == 200
    assert user.claims["amr"] == ["pwd", "otp"]
    again = await mfa_grant(user, await password_step(user), codes[0])
    assert again.status_code == 400


async def test_the_mfa_token_is_spent_by_its_success(user: Api) -> None:
    secret, codes = await enable_totp(user)
    token = await password_step(user)
    assert (await mfa_grant(user, token, totp_code(secret))).status_code == 200
    assert (await mfa_grant(user, token, codes[0])).status_code == 400


async def test_the_fifth_wrong_code_kills_the_mfa_token(user: Api) -> None:
    _, codes = await enable_totp(user)
    token = await password_step(user)
    for _ in range(5):
        wrong = await mfa_grant(user, token, "000000")
        assert wrong.status_code == 400
        assert error_of(wrong) == "invalid_grant"
    dead = await mfa_grant(user, token, codes[0])
    assert dead.status_code == 400
    assert dead.json()["detail"] == messages.INVALID_MFA_TOKEN
    # The recovery code was not spent by the dead attempt.
    assert (await mfa_grant(user, await password_step(user), codes[0])).status_code == 200


async def test_four_wrong_codes_leave_the_token_usable(user: Api) -> None:
    secret, _ = await enable_totp(user)
    token = await password_step(user)
    for _ in range(4):
        assert (await mfa_grant(user, token, "000000")).status_code == 400
    assert (await mfa_grant(user, token, totp_code(secret))).status_code == 200


async def test_an_expired_mfa_token_is_refused(user: Api, db: asyncpg.Connection) -> None:
    secret, _ = await enable_totp(user)
    token = await password_step(user)
    await db.execute("UPDATE mfa_login_attempts SET expires_at = now() - interval '1 second'")
    response = await mfa_grant(user, token, totp_code(secret))
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


async def test_an_unknown_or_huge_mfa_token_is_refused(user: Api) -> None:
    secret, _ = await enable_totp(user)
    for token in ("unknown", "x" * 5000, "\u0000"):
        response = await mfa_grant(user, token, totp_code(secret))
        assert response.status_code == 400, token
        assert error_of(response) == "invalid_grant"


async def test_a_deactivated_account_cannot_finish_its_login(
    user: Api, db: asyncpg.Connection
) -> None:
    secret, _ = await enable_totp(user)
    token = await password_step(user)
    await deactivate(db, user.id)
    assert (await mfa_grant(user, token, totp_code(secret))).status_code == 400


async def test_missing_fields_are_invalid_request(api: Api) -> None:
    for form in ({"mfa_token": "t"}, {"otp": "123456"}, {}):
        response = await api.token(grant_type="mfa_otp", **form)
        assert response.status_code == 400
        assert error_of(response) == "invalid_request"


async def test_the_account_wide_wrong_code_limit_gives_429(make_api: ApiFactory) -> None:
    async with make_api(throttle={"mfa_failures_per_account": 6}) as api:
        user = await api.new_user()
        secret, _ = await enable_totp(user)
        first = await password_step(user)
        for _ in range(5):
            assert (await mfa_grant(user, first, "000000")).status_code == 400
        second = await password_step(user)
        assert (await mfa_grant(user, second, "000000")).status_code == 400
        throttled = await mfa_grant(user, second, totp_code(secret))
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0
        assert secret not in throttled.text


async def test_an_account_without_a_second_factor_logs_in_as_before(user: Api) -> None:
    response = await user.login()
    assert response.status_code == 200
    assert user.claims["amr"] == ["pwd"]


async def test_a_huge_otp_is_a_wrong_code(user: Api) -> None:
    await enable_totp(user)
    response = await mfa_grant(user, await password_step(user), "9" * 5000)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"
    assert "9" * 100 not in response.text


async def test_a_factor_gone_under_a_live_mfa_token_accepts_no_code(
    user: Api, db: asyncpg.Connection
) -> None:
    secret, _ = await enable_totp(user)
    token = await password_step(user)
    await db.execute("DELETE FROM totp_factors WHERE user_id = $1", uuid.UUID(user.id))
    assert (await mfa_grant(user, token, totp_code(secret))).status_code == 400


async def test_the_second_factor_works_with_the_throttle_off(make_api: ApiFactory) -> None:
    async with make_api(throttle={"enabled": False}) as api:
        user = await api.new_user()
        secret, _ = await enable_totp(user)
        assert (
            await mfa_grant(user, await password_step(user), totp_code(secret))
        ).status_code == 200


async def test_a_secret_that_does_not_decrypt_gets_503_and_spends_nothing(
    user: Api, db: asyncpg.Connection
) -> None:
    secret, _ = await enable_totp(user)
    mfa_token = await password_step(user)
    # What a data key removed too early looks like: the row no longer decrypts.
    await db.execute(
        "UPDATE totp_factors SET secret_ciphertext = secret_ciphertext || '\\x00'::bytea"
        " WHERE user_id = $1",
        uuid.UUID(user.id),
    )
    response = await mfa_grant(user, mfa_token, totp_code(secret))
    assert response.status_code == 503
    assert response.json() == {"detail": messages.SECOND_FACTOR_UNAVAILABLE}
    assert secret not in response.text
