"""The passkey calls of API.md for an `Api` client, driven by a software authenticator."""

import json
from typing import Any

import httpx

from app.tests.api_client import Api
from app.tests.passkeys.authenticator import Authenticator


async def registration_options(api: Api) -> dict[str, Any]:
    response = await api.request("POST", "passkey_registration_options")
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


async def add_passkey(api: Api, credential: dict[str, Any], **fields: Any) -> httpx.Response:
    body = {"credential": credential, **fields}
    return await api.request("POST", "add_passkey", json=body)


async def register(api: Api, authenticator: Authenticator, **fields: Any) -> dict[str, Any]:
    """A new passkey of the account on `authenticator`: the `Passkey` object."""
    credential = authenticator.create(await registration_options(api))
    response = await add_passkey(api, credential, **fields)
    assert response.status_code == 201, response.text
    passkey: dict[str, Any] = response.json()
    return passkey


async def sign_in_options(api: Api) -> dict[str, Any]:
    response = await api.request("POST", "passkey_sign_in_options", json={})
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


async def passkey_grant(api: Api, credential: dict[str, Any] | str) -> httpx.Response:
    """The `passkey` grant; a 200 becomes the client's session."""
    text = credential if isinstance(credential, str) else json.dumps(credential)
    return await api.token(grant_type="passkey", credential=text)


async def sign_in(api: Api, authenticator: Authenticator, **tampering: Any) -> httpx.Response:
    """Options, then the grant with the authenticator's answer (tampered as told)."""
    return await passkey_grant(api, authenticator.get(await sign_in_options(api), **tampering))
