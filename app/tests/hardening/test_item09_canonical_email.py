"""Review item 9: one canonical email form (NFC, then lower-case): stored, looked up, throttled."""

import unicodedata

import asyncpg
import httpx
from fastapi import FastAPI

from app.tests.factories import login, register, url

# "é" composed (NFC) and decomposed (NFD): the same address to a reader.
COMPOSED = unicodedata.normalize("NFC", "Andr\u00e9@example.com")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


async def test_an_address_differing_only_in_normalisation_is_already_registered(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, app, email=DECOMPOSED)
    response = await client.post(
        url(app, "register_new_user"), json={"email": COMPOSED.upper(), "password": "a fine one!"}
    )
    assert response.status_code == 409


async def test_login_finds_the_account_in_either_normalisation(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client, app, email=DECOMPOSED)
    await login(client, app, email=COMPOSED.lower(), password=account.password)


async def test_the_canonical_form_is_stored_beside_the_address_as_typed(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection
) -> None:
    account = await register(client, app, email=DECOMPOSED)
    row = await db.fetchrow("SELECT email, email_canonical FROM users")
    assert row is not None
    assert account.user["email"] == row["email"]
    assert row["email_canonical"] == COMPOSED.lower()
