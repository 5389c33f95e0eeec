"""Security events: each action records its event, listed newest first, page by page."""

import uuid

import asyncpg
import pytest

from app.tests.api_client import NEW_PASSWORD, Api, ApiFactory, messages
from app.tests.factories import new_email
from app.tests.lifecycle.support import RESET_SUBJECT, only
from app.tests.recovery.support import Inbox, recovery_token


async def events(user: Api) -> list[dict[str, object]]:
    response = await user.security_events(limit=100)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_login_records_its_session_address_and_agent(user: Api) -> None:
    [event] = await events(user)
    assert event["type"] == "login.succeeded"
    assert event["session_id"] == user.claims["sid"]
    assert event["ip_address"] == "127.0.0.1"
    assert str(event["user_agent"]).startswith("python-httpx/")
    assert event["actor_user_id"] is None
    assert set(event) == {
        "event_id",
        "type",
        "at",
        "ip_address",
        "user_agent",
        "session_id",
        "actor_user_id",
    }


async def test_a_wrong_password_records_a_failed_login(user: Api) -> None:
    assert (await user.anonymous().login(user.email, "not the password")).status_code == 400
    latest = (await events(user))[0]
    assert latest["type"] == "login.failed"
    assert latest["session_id"] is None


async def test_an_unknown_email_records_nothing(user: Api, db: asyncpg.Connection) -> None:
    before = await db.fetchval("SELECT count(*) FROM security_events")
    await user.anonymous().login(new_email(), "whatever password")
    assert await db.fetchval("SELECT count(*) FROM security_events") == before


async def test_a_per_account_limit_records_a_throttled_login(user: Api) -> None:
    guesser = user.anonymous()
    statuses = [(await guesser.login(user.email, "wrong guess")).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    types = await user.event_types()
    assert types.count("login.failed") == 5
    assert types[-1] == "login.throttled"


async def test_a_per_address_limit_alone_records_nothing(make_api: ApiFactory) -> None:
    async with make_api(throttle={"requests_per_address": 1}) as api:
        user = await api.new_user()  # its register and login each count once per kind
        assert (await user.login()).status_code == 429
        assert await user.event_types() == ["login.succeeded"]


async def test_logout_records_the_revoked_session(user: Api) -> None:
    other = await user.new_session()
    await other.logout()
    latest = (await events(user))[0]
    assert (latest["type"], latest["session_id"]) == ("session.revoked", other.claims["sid"])


async def test_logout_all_records_each_session(user: Api) -> None:
    others = [await user.new_session() for _ in range(2)]
    assert (await user.logout_all()).status_code == 204
    fresh = await user.new_session()
    revoked = [e["session_id"] for e in await events(fresh) if e["type"] == "session.revoked"]
    expected = {user.claims["sid"], *(other.claims["sid"] for other in others)}
    assert sorted(map(str, revoked)) == sorted(expected)


async def test_refresh_token_reuse_is_recorded(user: Api) -> None:
    stolen = user.tokens["refresh_token"]
    await user.refresh()
    await user.refresh()  # the stolen token is now two generations old
    assert (await user.refresh(stolen)).status_code == 400
    fresh = await user.new_session()
    types = await fresh.event_types()
    assert "refresh.reuse_detected" in types


async def test_a_password_change_is_recorded(user: Api) -> None:
    assert (await user.change_password()).status_code == 204
    latest = (await events(user))[0]
    assert (latest["type"], latest["session_id"]) == ("password.changed", user.claims["sid"])


async def test_a_password_reset_is_recorded(user: Api, inbox: Inbox) -> None:
    await user.recover()
    await user.reset_password(recovery_token(only(inbox, RESET_SUBJECT)))
    assert (await user.login(password=NEW_PASSWORD)).status_code == 200
    assert (await user.event_types())[-2:] == ["password.reset", "login.succeeded"]


async def test_an_administrative_change_names_its_actor(admin: Api, user: Api) -> None:
    assert (await admin.patch_user(user.id, is_superuser=True)).status_code == 200
    response = await admin.user_security_events(user.id)
    latest = response.json()["items"][0]
    assert latest["type"] == "admin.user_updated"
    assert latest["actor_user_id"] == admin.id


async def test_pages_are_newest_first_and_keyset_paginated(user: Api) -> None:
    for _ in range(4):
        await user.new_session()
    first = (await user.security_events(limit=2)).json()
    second = (await user.security_events(limit=2, cursor=first["next_cursor"])).json()
    third = (await user.security_events(limit=2, cursor=second["next_cursor"])).json()
    pages = [first, second, third]
    ids = [e["event_id"] for page in pages for e in page["items"]]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    assert third["next_cursor"] is None
    keys = [(e["at"], e["event_id"]) for page in pages for e in page["items"]]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "forged"}, {"cursor": "A" * 200}],
)
async def test_bad_limits_and_cursors_are_422(user: Api, params: dict[str, object]) -> None:
    assert (await user.security_events(**params)).status_code == 422


async def test_an_account_sees_only_its_own_events(user: Api) -> None:
    other = await user.anonymous().new_user()
    await other.new_session()
    assert len(await events(user)) == 1


async def test_events_go_with_the_account(user: Api, db: asyncpg.Connection) -> None:
    assert (await user.delete_me()).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM security_events") == 0


async def test_the_administration_view_needs_a_superuser(admin: Api, user: Api) -> None:
    assert (await user.user_security_events(admin.id)).status_code == 403
    assert (await user.anonymous().user_security_events(admin.id)).status_code == 401
    missing = await admin.user_security_events(str(uuid.uuid4()))
    assert missing.status_code == 404
    assert missing.json() == {"detail": messages.USER_NOT_FOUND}
    assert (await admin.request("GET", "/users/not-a-uuid/security-events")).status_code == 422
    assert (await admin.user_security_events(user.id, limit=0)).status_code == 422
    page = await admin.user_security_events(user.id)
    assert [e["type"] for e in page.json()["items"]] == ["login.succeeded"]
