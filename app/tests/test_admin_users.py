"""Administration of single accounts: GET, PATCH and DELETE /users/{user_id}."""

from typing import Any

import asyncpg
import pytest

from app.tests.api_client import Api, messages
from app.tests.factories import promote_to_superuser


async def test_superuser_reads_any_user(admin: Api, user: Api) -> None:
    response = await admin.get_user(user.id)
    assert response.status_code == 200
    assert response.json() == user.user


@pytest.mark.parametrize(
    ("flags", "change"),
    [({"is_active": False}, {"is_active": False}), ({"is_active": None}, {})],
    ids=["deactivation", "null-changes-nothing"],
)
async def test_patch_changes_the_flags_it_sets(
    admin: Api, user: Api, flags: dict[str, Any], change: dict[str, Any]
) -> None:
    response = await admin.patch_user(user.id, **flags)
    assert response.status_code == 200
    assert response.json() == {**user.user, **change}


async def test_deactivation_revokes_access_and_refresh_tokens_at_once(
    admin: Api, user: Api
) -> None:
    await admin.patch_user(user.id, is_active=False)
    assert (await user.me()).status_code == 401
    # Revoked, not only blocked while inactive: reactivating does not revive them.
    await admin.patch_user(user.id, is_active=True)
    assert await user.session_revoked()


@pytest.mark.parametrize(
    ("superuser_before", "is_superuser", "listing"),
    [(False, True, 200), (True, False, 403)],
    ids=["promotion-grants", "demotion-withdraws"],
)
async def test_role_change_takes_effect_at_once(
    admin: Api,
    user: Api,
    db: asyncpg.Connection,
    superuser_before: bool,
    is_superuser: bool,
    listing: int,
) -> None:
    if superuser_before:
        await promote_to_superuser(db, user.id)
    response = await admin.patch_user(user.id, is_superuser=is_superuser)
    assert response.json()["is_superuser"] is is_superuser
    assert (await user.list_users()).status_code == listing


@pytest.mark.parametrize(
    "flags",
    [{"is_active": "false"}, {"is_active": 0}, {"is_superuser": "yes"}, {"is_active": [False]}],
)
async def test_patch_with_non_boolean_flag_is_422(
    admin: Api, user: Api, flags: dict[str, Any]
) -> None:
    response = await admin.patch_user(user.id, **flags)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("flags", "detail"),
    [
        ({"is_superuser": False}, messages.CANNOT_DEMOTE_SELF),
        ({"is_active": False}, messages.CANNOT_DEACTIVATE_SELF),
    ],
)
async def test_superuser_cannot_lock_themselves_out(
    admin: Api, flags: dict[str, Any], detail: str
) -> None:
    response = await admin.patch_user(admin.id, **flags)
    assert response.status_code == 409
    assert response.json() == {"detail": detail}
    assert (await admin.me()).json()["is_superuser"] is True


async def test_superuser_may_patch_themselves_harmlessly(admin: Api) -> None:
    response = await admin.patch_user(admin.id, is_active=True, is_superuser=True)
    assert response.status_code == 200
    assert response.json()["is_superuser"] is True


async def test_deleted_user_is_gone_and_its_tokens_fail_at_once(admin: Api, user: Api) -> None:
    response = await admin.delete_user(user.id)
    assert response.status_code == 204
    assert (await user.me()).status_code == 401
    assert (await admin.get_user(user.id)).status_code == 404


async def test_superuser_cannot_delete_themselves_here(admin: Api) -> None:
    response = await admin.delete_user(admin.id)
    assert response.status_code == 409
    assert response.json() == {"detail": messages.CANNOT_DELETE_SELF}
    assert (await admin.me()).status_code == 200
