"""Who may call the administration endpoints, and what they answer for ids that are not there."""

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.tests.api_client import Api, messages

UNKNOWN_ID = str(uuid.uuid4())
AdminCall = Callable[[Api, str], Awaitable[httpx.Response]]


async def list_users(api: Api, _: str) -> httpx.Response:
    return await api.list_users()


async def get_user(api: Api, user_id: str) -> httpx.Response:
    return await api.get_user(user_id)


async def patch_user(api: Api, user_id: str) -> httpx.Response:
    return await api.patch_user(user_id)


async def deactivate_user(api: Api, user_id: str) -> httpx.Response:
    return await api.patch_user(user_id, is_active=False)


async def delete_user(api: Api, user_id: str) -> httpx.Response:
    return await api.delete_user(user_id)


ADMIN_CALLS = [
    pytest.param(list_users, id="list"),
    pytest.param(get_user, id="read"),
    pytest.param(patch_user, id="update"),
    pytest.param(delete_user, id="delete"),
]
CALLS_ON_ONE_USER = [
    pytest.param(get_user, id="read"),
    pytest.param(patch_user, id="update"),
    pytest.param(delete_user, id="delete"),
]


@pytest.mark.parametrize("call", ADMIN_CALLS)
async def test_admin_call_without_token_is_401(api: Api, call: AdminCall) -> None:
    response = await call(api, UNKNOWN_ID)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("call", ADMIN_CALLS)
async def test_admin_call_by_ordinary_user_is_403(user: Api, call: AdminCall) -> None:
    response = await call(user, UNKNOWN_ID)
    assert response.status_code == 403
    assert response.json() == {"detail": messages.SUPERUSER_REQUIRED}


@pytest.mark.parametrize(
    "call", [*CALLS_ON_ONE_USER, pytest.param(deactivate_user, id="deactivate")]
)
async def test_admin_call_with_unknown_user_is_404(admin: Api, call: AdminCall) -> None:
    response = await call(admin, UNKNOWN_ID)
    assert response.status_code == 404
    assert response.json() == {"detail": messages.USER_NOT_FOUND}


@pytest.mark.parametrize("call", CALLS_ON_ONE_USER)
@pytest.mark.parametrize("user_id", ["not-a-uuid", "1", "%00", "x" * 10_000])
async def test_admin_call_with_non_uuid_id_is_422(
    admin: Api, call: AdminCall, user_id: str
) -> None:
    response = await call(admin, user_id)
    assert response.status_code == 422


async def test_users_me_is_not_taken_for_a_user_id(admin: Api) -> None:
    response = await admin.me()
    assert response.status_code == 200
    assert response.json()["email"] == admin.email
