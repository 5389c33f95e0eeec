"""Sessions and devices: GET /users/me/sessions and DELETE /users/me/sessions/{session_id}."""

import uuid

import asyncpg
import jwt

from app.tests.api_client import Api, messages


def agent(name: str) -> dict[str, str]:
    return {"User-Agent": name}


async def login_as(user: Api, user_agent: str) -> Api:
    other = user.copy()
    response = await other.request(
        "POST",
        "login_access_token",
        data={"username": user.email, "password": user.password},
        headers=agent(user_agent),
    )
    assert response.status_code == 200
    other._tokens = response.json()
    return other


async def listed(user: Api) -> list[dict[str, object]]:
    response = await user.sessions()
    assert response.status_code == 200, response.text
    sessions: list[dict[str, object]] = response.json()
    return sessions


async def test_lists_live_sessions_newest_first_with_their_devices(user: Api) -> None:
    phone = await login_as(user, "Phone/1.0")
    laptop = await login_as(user, "Laptop/2.0")
    sessions = await listed(phone)
    assert [s["user_agent"] for s in sessions][:2] == ["Laptop/2.0", "Phone/1.0"]
    assert len(sessions) == 3
    by_id = {s["session_id"]: s for s in sessions}
    assert by_id[phone.claims["sid"]]["current"] is True
    assert by_id[laptop.claims["sid"]]["current"] is False
    assert all(s["ip_address"] == "127.0.0.1" for s in sessions)
    assert all(s["amr"] == ["pwd"] for s in sessions)
    assert set(sessions[0]) == {
        "session_id",
        "created_at",
        "last_used_at",
        "user_agent",
        "ip_address",
        "current",
        "amr",
    }


async def test_a_refresh_updates_the_device_and_moves_it_first(user: Api) -> None:
    phone = await login_as(user, "Phone/1.0")
    await login_as(user, "Laptop/2.0")
    response = await phone.request(
        "POST",
        "refresh_token",
        json={"refresh_token": phone.tokens["refresh_token"]},
        headers={**agent("Phone/1.1"), "X-Forwarded-For": "203.0.113.9"},
    )
    assert response.status_code == 200
    first = (await listed(user))[0]
    assert first["session_id"] == phone.claims["sid"]
    assert first["user_agent"] == "Phone/1.1"
    # Not from a trusted proxy: the header is ignored, the peer is the address.
    assert first["ip_address"] == "127.0.0.1"


async def test_the_address_is_the_one_the_throttle_uses(
    make_api: object, db: asyncpg.Connection
) -> None:
    assert callable(make_api)
    async with make_api(security={"trusted_proxies": ["127.0.0.1/32"]}) as api:
        user = await api.new_user()
        response = await user.request(
            "POST",
            "refresh_token",
            json={"refresh_token": user.tokens["refresh_token"]},
            headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
        )
        assert response.status_code == 200
        [session] = await listed(user)
        assert session["ip_address"] == "203.0.113.9"


async def test_using_an_access_token_changes_nothing(user: Api, db: asyncpg.Connection) -> None:
    before = await db.fetchrow("SELECT last_used_at, user_agent, ip_address FROM user_sessions")
    assert (
        await user.request("GET", "read_current_user", headers=agent("Other/9"))
    ).status_code == 200
    after = await db.fetchrow("SELECT last_used_at, user_agent, ip_address FROM user_sessions")
    assert before == after


async def test_user_agents_are_cut_to_256_characters_and_absent_is_null(user: Api) -> None:
    long = await login_as(user, "A" * 1000)
    request = user.http.build_request(
        "POST",
        user.url("login_access_token"),
        data={"username": user.email, "password": user.password},
    )
    del request.headers["User-Agent"]
    response = await user.http.send(request)
    assert response.status_code == 200
    without = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    agents = {s["session_id"]: s["user_agent"] for s in await listed(long)}
    assert agents[long.claims["sid"]] == "A" * 256
    assert agents[without["sid"]] is None


async def test_revoking_one_session_ends_it_at_once(user: Api) -> None:
    other = await user.new_session()
    response = await user.revoke_session(other.claims["sid"])
    assert response.status_code == 204
    assert await other.session_revoked()
    assert await user.session_works()
    assert [s["session_id"] for s in await listed(user)] == [user.claims["sid"]]
    assert (await user.event_types())[-1] == "session.revoked"


async def test_the_current_session_may_be_revoked(user: Api) -> None:
    assert (await user.revoke_session(user.claims["sid"])).status_code == 204
    assert await user.session_revoked()


async def test_another_users_session_is_404_and_stays(user: Api) -> None:
    stranger = await user.anonymous().new_user()
    response = await user.revoke_session(stranger.claims["sid"])
    assert response.status_code == 404
    assert response.json() == {"detail": messages.SESSION_NOT_FOUND}
    assert await stranger.session_works()


async def test_unknown_and_revoked_sessions_are_404(user: Api) -> None:
    assert (await user.revoke_session(str(uuid.uuid4()))).status_code == 404
    other = await user.new_session()
    await other.logout()
    assert (await user.revoke_session(other.claims["sid"])).status_code == 404


async def test_a_malformed_id_is_422(user: Api) -> None:
    for bad in ("not-a-uuid", "1" * 300):
        response = await user.request("DELETE", f"/users/me/sessions/{bad}")
        assert response.status_code == 422


async def test_both_need_a_signed_in_user(api: Api) -> None:
    assert (await api.sessions()).status_code == 401
    assert (await api.revoke_session(str(uuid.uuid4()))).status_code == 401


async def test_a_refresh_keeps_the_methods_of_the_login(user: Api, db: asyncpg.Connection) -> None:
    await db.execute("UPDATE user_sessions SET amr = '{pwd,otp}'")
    assert (await user.refresh()).status_code == 200
    assert user.claims["amr"] == ["pwd", "otp"]
    assert (await listed(user))[0]["amr"] == ["pwd", "otp"]
