"""PUT /users/me/password."""

import pytest

from app.tests.api_client import DEFAULT_PASSWORD, NEW_PASSWORD, Api, messages


async def test_change_password_gives_204(user: Api) -> None:
    response = await user.change_password()
    assert response.status_code == 204


async def test_login_works_with_the_new_password_only(user: Api) -> None:
    await user.change_password(NEW_PASSWORD)
    assert (await user.login(password=NEW_PASSWORD)).status_code == 200
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 400


async def test_change_password_keeps_the_calling_session(user: Api) -> None:
    await user.change_password()
    assert await user.session_works()
    assert (await user.refresh()).status_code == 200


async def test_change_password_revokes_the_other_sessions(user: Api) -> None:
    other = await user.new_session()
    await user.change_password()
    assert await other.session_revoked()


async def test_new_password_may_equal_the_old_one(user: Api) -> None:
    response = await user.change_password(DEFAULT_PASSWORD)
    assert response.status_code == 204
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 200


async def test_wrong_current_password_gives_400(user: Api) -> None:
    response = await user.change_password(current_password="not my password")
    assert response.status_code == 400
    assert response.json() == {"detail": messages.WRONG_CURRENT_PASSWORD}
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 200


@pytest.mark.parametrize("new", ["Zq7-wX1", "\U0001f600" * 7, "Zq7-wX1p" * 32 + "x", "password"])
async def test_bad_new_password_gives_422(user: Api, new: str) -> None:
    response = await user.change_password(new)
    assert response.status_code == 422
    assert (await user.login(password=DEFAULT_PASSWORD)).status_code == 200


async def test_change_password_without_token_gives_401(api: Api) -> None:
    response = await api.change_password(current_password=DEFAULT_PASSWORD)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body", [{}, {"current_password": DEFAULT_PASSWORD}, {"new_password": NEW_PASSWORD}]
)
async def test_missing_field_gives_422(user: Api, body: dict[str, str]) -> None:
    response = await user.request("PUT", "change_current_user_password", json=body)
    assert response.status_code == 422
