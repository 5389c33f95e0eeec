"""Each second-factor and passkey change: its security event, `mfa_enabled`, and the notices."""

from typing import Any

from app.tests.api_client import Api
from app.tests.mfa.support import (
    disable_totp,
    enable_totp,
    mfa_grant,
    password_step,
    regenerate_recovery_codes,
    totp_code,
)
from app.tests.passkeys.authenticator import Authenticator
from app.tests.passkeys.support import register
from app.tests.recovery.support import Inbox


async def event_types(user: Api) -> list[str]:
    response = await user.request("GET", "/users/me/security-events")
    assert response.status_code == 200, response.text
    return [event["type"] for event in response.json()["items"]]


async def subjects(user: Api, inbox: Inbox) -> list[str]:
    await user.finish_background_jobs()
    return [str(message["Subject"]) for message in inbox.messages]


async def me(user: Api) -> dict[str, Any]:
    response = await user.me()
    body: dict[str, Any] = response.json()
    return body


async def test_enabling_records_the_event_sets_mfa_enabled_and_sends_a_notice(
    user: Api, inbox: Inbox
) -> None:
    assert (await me(user))["mfa_enabled"] is False
    await enable_totp(user)
    assert (await me(user))["mfa_enabled"] is True
    assert (await event_types(user))[0] == "mfa.enabled"
    assert await subjects(user, inbox) == ["A second factor was turned on"]
    [message] = inbox.messages
    assert message["To"] == user.email


async def test_disabling_records_the_event_clears_mfa_enabled_and_sends_a_notice(
    user: Api, inbox: Inbox
) -> None:
    secret, _ = await enable_totp(user)
    await user.finish_background_jobs()
    inbox.messages.clear()
    assert (await disable_totp(user, totp_code(secret))).status_code == 204
    assert (await me(user))["mfa_enabled"] is False
    assert (await event_types(user))[0] == "mfa.disabled"
    assert await subjects(user, inbox) == ["The second factor was turned off"]


async def test_a_wrong_code_records_mfa_failed(user: Api) -> None:
    await enable_totp(user)
    assert (await mfa_grant(user, await password_step(user), "000000")).status_code == 400
    assert (await event_types(user))[0] == "mfa.failed"


async def test_a_wrong_confirming_code_records_mfa_failed(user: Api) -> None:
    await user.request("POST", "start_totp", json={"current_password": user.password})
    await user.request("POST", "confirm_totp", json={"code": "000000"})
    assert (await event_types(user))[0] == "mfa.failed"


async def test_a_recovery_code_records_its_use(user: Api) -> None:
    _, codes = await enable_totp(user)
    assert (await mfa_grant(user, await password_step(user), codes[0])).status_code == 200
    assert "mfa.recovery_code_used" in await event_types(user)


async def test_regenerating_records_the_event(user: Api) -> None:
    secret, _ = await enable_totp(user)
    assert (await regenerate_recovery_codes(user, totp_code(secret))).status_code == 200
    assert (await event_types(user))[0] == "mfa.recovery_codes_regenerated"


async def test_passkeys_added_and_removed_are_recorded_and_the_addition_noticed(
    user: Api, inbox: Inbox
) -> None:
    passkey = await register(user, Authenticator())
    assert (await event_types(user))[0] == "passkey.added"
    assert await subjects(user, inbox) == ["A passkey was added"]
    url = user.url("delete_passkey", passkey_id=passkey["passkey_id"])
    assert (await user.request("DELETE", url)).status_code == 204
    assert (await event_types(user))[0] == "passkey.removed"


async def test_an_mfa_login_records_login_succeeded_for_its_session(user: Api) -> None:
    secret, _ = await enable_totp(user)
    assert (await mfa_grant(user, await password_step(user), totp_code(secret))).status_code == 200
    response = await user.request("GET", "/users/me/security-events")
    [latest, *_] = response.json()["items"]
    assert latest["type"] == "login.succeeded"
    assert latest["session_id"] == user.claims["sid"]
