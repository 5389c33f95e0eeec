"""The second-factor calls of API.md for an `Api` client, and the codes an app shows."""

import time
from typing import Any

import httpx
import pyotp

from app.tests.api_client import Api

# A code is checked a request later; one computed this close to the end of its
# step could reach the server a step later, where it may no longer be accepted.
STEP_END_MARGIN_SECS = 3.0


def totp_code(secret: str, *, steps_from_now: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_from_now` 30-second steps away),
    computed at least STEP_END_MARGIN_SECS before the current step ends."""
    left_in_step = 30 - time.time() % 30
    if left_in_step < STEP_END_MARGIN_SECS:
        time.sleep(left_in_step + 0.05)
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


async def start_totp(api: Api, current_password: str | None = None) -> httpx.Response:
    password = api.password if current_password is None else current_password
    return await api.request("POST", "start_totp", json={"current_password": password})


async def confirm_totp(api: Api, code: str) -> httpx.Response:
    return await api.request("POST", "confirm_totp", json={"code": code})


async def disable_totp(api: Api, code: str, current_password: str | None = None) -> httpx.Response:
    password = api.password if current_password is None else current_password
    body = {"current_password": password, "code": code}
    return await api.request("DELETE", "disable_totp", json=body)


async def regenerate_recovery_codes(api: Api, code: str) -> httpx.Response:
    return await api.request("POST", "regenerate_recovery_codes", json={"code": code})


async def enable_totp(api: Api, *, steps_from_now: int = -1) -> tuple[str, list[str]]:
    """Enrol and confirm (by default with the previous step's code, so that the current
    one stays usable): the secret and the recovery codes."""
    started = await start_totp(api)
    assert started.status_code == 200, started.text
    secret: str = started.json()["secret"]
    confirmed = await confirm_totp(api, totp_code(secret, steps_from_now=steps_from_now))
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    return secret, codes


async def password_step(api: Api) -> str:
    """The password grant of an account with a second factor: its `mfa_token`."""
    response = await api.login()
    assert response.status_code == 403, response.text
    token: str = response.json()["mfa_token"]
    return token


async def mfa_grant(api: Api, mfa_token: str, otp: str) -> httpx.Response:
    """The `mfa_otp` grant; a 200 becomes the client's session."""
    return await api.token(grant_type="mfa_otp", mfa_token=mfa_token, otp=otp)


def error_of(response: httpx.Response) -> Any:
    return response.json().get("error")
