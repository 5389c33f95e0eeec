"""`app create-superuser EMAIL`: the only way to make the first superuser."""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import URL
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.config import get_settings
from app.tests.conftest import CHEAP_HASHING
from app.tests.factories import (
    DEFAULT_PASSWORD,
    bearer,
    login,
    new_email,
    register_and_login,
    url,
)

PASSWORD = "operator chosen passphrase"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The command reads its settings from the environment each test sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def cli_env(database: URL, **extra: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "DATABASE__URL": database.render_as_string(hide_password=False),
        "SUPERUSER_PASSWORD": None,
        **{f"SECURITY__{name.upper()}": str(value) for name, value in CHEAP_HASHING.items()},
    }
    return env | extra


async def run_cli(args: list[str], env: dict[str, str | None], prompt: str | None = None) -> Result:
    # In a thread: the command runs its own event loop, as it does in a shell.
    return await asyncio.to_thread(CliRunner().invoke, cli, args, env=env, input=prompt)


async def can_administer(client: httpx.AsyncClient, app: FastAPI, tokens: dict[str, Any]) -> bool:
    response = await client.get(url(app, "list_users"), headers=bearer(tokens))
    return response.status_code == 200


async def test_creates_a_superuser_with_the_password_from_the_environment(
    client: httpx.AsyncClient, app: FastAPI, database_url: URL
) -> None:
    email = new_email()
    result = await run_cli(
        ["create-superuser", email], cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD)
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Created superuser {email}.\n"
    tokens = await login(client, app, email=email, password=PASSWORD)
    assert await can_administer(client, app, tokens)


async def test_asks_for_the_password_twice_when_not_in_the_environment(
    client: httpx.AsyncClient, app: FastAPI, database_url: URL
) -> None:
    email = new_email()
    result = await run_cli(
        ["create-superuser", email], cli_env(database_url), prompt=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert PASSWORD not in result.output
    tokens = await login(client, app, email=email, password=PASSWORD)
    assert await can_administer(client, app, tokens)


async def test_mismatched_prompt_answers_create_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, database_url: URL
) -> None:
    result = await run_cli(
        ["create-superuser", new_email()],
        cli_env(database_url),
        prompt=f"{PASSWORD}\nsomething else entirely\n",
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_promotes_an_existing_account_and_takes_it_over(
    client: httpx.AsyncClient, app: FastAPI, database_url: URL
) -> None:
    account, old_tokens = await register_and_login(client, app)
    result = await run_cli(
        ["create-superuser", account.email.upper()],
        cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD),
    )
    assert result.exit_code == 0, result.output
    assert result.output.lower().startswith(f"promoted {account.email} to superuser")
    # Whoever registered the email before the operator is locked out.
    me = await client.get(url(app, "read_current_user"), headers=bearer(old_tokens))
    assert me.status_code == 401
    old_login = await client.post(
        url(app, "login_access_token"),
        data={"username": account.email, "password": DEFAULT_PASSWORD},
    )
    assert old_login.status_code == 400
    tokens = await login(client, app, email=account.email, password=PASSWORD)
    assert await can_administer(client, app, tokens)


async def test_promotion_reactivates_a_deactivated_account(
    client: httpx.AsyncClient, app: FastAPI, db: asyncpg.Connection, database_url: URL
) -> None:
    account, _ = await register_and_login(client, app)
    await db.execute("UPDATE users SET is_active = false WHERE email = $1", account.email)
    result = await run_cli(
        ["create-superuser", account.email], cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD)
    )
    assert result.exit_code == 0, result.output
    tokens = await login(client, app, email=account.email, password=PASSWORD)
    assert await can_administer(client, app, tokens)


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("short", "at least 8 characters"),
        ("x" * 257, "at most 256 characters"),
        ("password123", "too common"),
        ("", "at least 8 characters"),
    ],
)
async def test_refuses_a_password_registration_would_refuse(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    database_url: URL,
    password: str,
    complaint: str,
) -> None:
    result = await run_cli(
        ["create-superuser", new_email()], cli_env(database_url, SUPERUSER_PASSWORD=password)
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: password:")
    assert complaint in result.output
    assert len(result.output.splitlines()) == 1
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_refuses_an_invalid_email(db: asyncpg.Connection, database_url: URL) -> None:
    result = await run_cli(
        ["create-superuser", "not-an-email"], cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD)
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: email:")
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_takes_no_password_argument(db: asyncpg.Connection, database_url: URL) -> None:
    result = await run_cli(
        ["create-superuser", new_email(), PASSWORD],
        cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD),
    )
    assert result.exit_code == 2
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_reports_a_database_without_migrations(
    empty_database: Callable[[], Any],
) -> None:
    result = await run_cli(
        ["create-superuser", new_email()],
        cli_env(await empty_database(), SUPERUSER_PASSWORD=PASSWORD),
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: the database has no users table yet; run `app migrate` first\n"
    )


async def test_reports_an_unreachable_database(database_url: URL) -> None:
    result = await run_cli(
        ["create-superuser", new_email()],
        cli_env(database_url.set(host="127.0.0.1", port=1), SUPERUSER_PASSWORD=PASSWORD),
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write to the database:")
    assert len(result.output.splitlines()) == 1


async def test_help_documents_the_command() -> None:
    result = await run_cli(["create-superuser", "--help"], {})
    assert result.exit_code == 0
    assert "SUPERUSER_PASSWORD" in result.output
    listing = await run_cli(["--help"], {})
    assert "create-superuser" in listing.output
