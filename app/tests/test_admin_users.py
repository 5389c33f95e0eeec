"""Administration of single accounts: GET, PATCH and DELETE /users/{user_id}."""

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.core import messages
from app.tests.factories import bearer, register, register_and_login, superuser_and_tokens, url


async def test_superuser_reads_any_user(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    other = await register(client, app)
    response = await client.get(
        url(app, "read_user", user_id=other.user["user_id"]), headers=bearer(tokens)
    )
    assert response.status_code == 200
    assert response.json() == other.user


async def test_deactivation_sets_the_flag(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    other = await register(client, app)
    response = await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_active": False},
        headers=bearer(tokens),
    )
    assert response.status_code == 200
    assert response.json() == {**other.user, "is_active": False}


async def test_deactivation_revokes_access_and_refresh_tokens_at_once(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, admin_tokens = await superuser_and_tokens(client, app, db)
    other, other_tokens = await register_and_login(client, app)
    await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_active": False},
        headers=bearer(admin_tokens),
    )
    me = await client.get(url(app, "read_current_user"), headers=bearer(other_tokens))
    assert me.status_code == 401
    # Revoked, not only blocked while inactive: reactivating does not revive them.
    await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_active": True},
        headers=bearer(admin_tokens),
    )
    me_again = await client.get(url(app, "read_current_user"), headers=bearer(other_tokens))
    assert me_again.status_code == 401
    refreshed = await client.post(
        url(app, "refresh_token"), json={"refresh_token": other_tokens["refresh_token"]}
    )
    assert refreshed.status_code == 400


async def test_promotion_grants_administration_at_once(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, admin_tokens = await superuser_and_tokens(client, app, db)
    other, other_tokens = await register_and_login(client, app)
    response = await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_superuser": True},
        headers=bearer(admin_tokens),
    )
    assert response.json()["is_superuser"] is True
    listed = await client.get(url(app, "list_users"), headers=bearer(other_tokens))
    assert listed.status_code == 200


async def test_demotion_withdraws_administration_at_once(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, admin_tokens = await superuser_and_tokens(client, app, db)
    other, other_tokens = await superuser_and_tokens(client, app, db)
    response = await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_superuser": False},
        headers=bearer(admin_tokens),
    )
    assert response.json()["is_superuser"] is False
    listed = await client.get(url(app, "list_users"), headers=bearer(other_tokens))
    assert listed.status_code == 403


async def test_empty_patch_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    other = await register(client, app)
    response = await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]),
        json={"is_active": None},
        headers=bearer(tokens),
    )
    assert response.status_code == 200
    assert response.json() == other.user


@pytest.mark.parametrize(
    "body",
    [{"is_active": "false"}, {"is_active": 0}, {"is_superuser": "yes"}, {"is_active": [False]}],
)
async def test_patch_with_non_boolean_flag_is_422(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, body: dict[str, Any]
) -> None:
    _, tokens = await superuser_and_tokens(client, app, db)
    other = await register(client, app)
    response = await client.patch(
        url(app, "update_user", user_id=other.user["user_id"]), json=body, headers=bearer(tokens)
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"is_superuser": False}, messages.CANNOT_DEMOTE_SELF),
        ({"is_active": False}, messages.CANNOT_DEACTIVATE_SELF),
    ],
)
async def test_superuser_cannot_lock_themselves_out(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: asyncpg.Connection,
    body: dict[str, Any],
    detail: str,
) -> None:
    account, tokens = await superuser_and_tokens(client, app, db)
    response = await client.patch(
        url(app, "update_user", user_id=account.user["user_id"]), json=body, headers=bearer(tokens)
    )
    assert response.status_code == 409
    assert response.json() == {"detail": detail}
    me = await client.get(url(app, "read_current_user"), headers=bearer(tokens))
    assert me.json()["is_superuser"] is True


async def test_superuser_may_patch_themselves_harmlessly(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await superuser_and_tokens(client, app, db)
    response = await client.patch(
        url(app, "update_user", user_id=account.user["user_id"]),
        json={"is_active": True, "is_superuser": True},
        headers=bearer(tokens),
    )
    assert response.status_code == 200
    assert response.json()["is_superuser"] is True


async def test_deleted_user_is_gone_and_its_tokens_fail_at_once(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    _, admin_tokens = await superuser_and_tokens(client, app, db)
    other, other_tokens = await register_and_login(client, app)
    response = await client.delete(
        url(app, "delete_user", user_id=other.user["user_id"]), headers=bearer(admin_tokens)
    )
    assert response.status_code == 204
    me = await client.get(url(app, "read_current_user"), headers=bearer(other_tokens))
    assert me.status_code == 401
    read = await client.get(
        url(app, "read_user", user_id=other.user["user_id"]), headers=bearer(admin_tokens)
    )
    assert read.status_code == 404


async def test_superuser_cannot_delete_themselves_here(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account, tokens = await superuser_and_tokens(client, app, db)
    response = await client.delete(
        url(app, "delete_user", user_id=account.user["user_id"]), headers=bearer(tokens)
    )
    assert response.status_code == 409
    assert response.json() == {"detail": messages.CANNOT_DELETE_SELF}
    me = await client.get(url(app, "read_current_user"), headers=bearer(tokens))
    assert me.status_code == 200
