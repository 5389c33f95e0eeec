"""Review item 9: one canonical email form (NFC, then lower-case): stored, looked up, throttled."""

import unicodedata

import asyncpg

from app.tests.api_client import Api

# "é" composed (NFC) and decomposed (NFD): the same address to a reader.
COMPOSED = unicodedata.normalize("NFC", "Andr\u00e9@example.com")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


async def test_an_address_differing_only_in_normalisation_is_already_registered(
    api: Api,
) -> None:
    assert (await api.register(DECOMPOSED)).status_code == 201
    response = await api.anonymous().register(COMPOSED.upper(), "a fine one!")
    assert response.status_code == 409


async def test_login_finds_the_account_in_either_normalisation(api: Api) -> None:
    await api.register(DECOMPOSED)
    assert (await api.login(COMPOSED.lower())).status_code == 200


async def test_the_canonical_form_is_stored_beside_the_address_as_typed(
    api: Api, db: asyncpg.Connection
) -> None:
    await api.register(DECOMPOSED)
    row = await db.fetchrow("SELECT email, email_canonical FROM users")
    assert row is not None
    assert api.user["email"] == row["email"]
    assert row["email_canonical"] == COMPOSED.lower()
