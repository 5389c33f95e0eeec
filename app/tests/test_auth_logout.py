"""POST /auth/logout and POST /auth/logout-all."""

import pytest

from app.tests.api_client import Api


async def test_logout_gives_204_and_revokes_the_session(user: Api) -> None:
    response = await user.logout()
    assert response.status_code == 204
    assert response.content == b""
    assert await user.session_revoked()


async def test_logout_with_spent_token_revokes_the_session(user: Api) -> None:
    spent = user.tokens["refresh_token"]
    await user.refresh()
    assert (await user.logout(spent)).status_code == 204
    assert await user.session_revoked()


async def test_logout_leaves_other_sessions_alone(user: Api) -> None:
    other = await user.new_session()
    await user.logout()
    assert await other.session_works()


async def test_logout_with_unknown_token_gives_204(api: Api) -> None:
    assert (await api.logout("no-such-token")).status_code == 204


async def test_logout_twice_gives_204(user: Api) -> None:
    await user.logout()
    assert (await user.logout()).status_code == 204


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": None}, {"refresh_token": ["x"]}, {"token": "x"}, "x"]
)
async def test_logout_with_malformed_body_gives_422(api: Api, body: object) -> None:
    response = await api.request("POST", "logout", json=body)
    assert response.status_code == 422


async def test_logout_all_revokes_every_session_at_once(user: Api) -> None:
    second = await user.new_session()
    response = await user.logout_all()
    assert response.status_code == 204
    assert await user.session_revoked()
    assert await second.session_revoked()


async def test_logout_all_leaves_other_users_alone(api: Api, user: Api) -> None:
    other = await api.new_user()
    await user.logout_all()
    assert await other.session_works()


async def test_logout_all_without_token_gives_401(api: Api) -> None:
    response = await api.logout_all()
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
