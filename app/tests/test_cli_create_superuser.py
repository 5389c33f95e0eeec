"""`app create-superuser EMAIL`: the only way to make the first superuser."""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.config import get_settings
from app.tests.api_client import Api
from app.tests.conftest import CHEAP_HASHING
from app.tests.factories import deactivate, new_email

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


async def logs_in_as_superuser(api: Api, email: str) -> bool:
    logged_in = await api.login(email, PASSWORD)
    return logged_in.status_code == 200 and (await api.list_users()).status_code == 200


async def test_creates_a_superuser_with_the_password_from_the_environment(
    api: Api, database_url: URL
) -> None:
    email = new_email()
    result = await run_cli(
        ["create-superuser", email], cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD)
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Created superuser {email}.\n"
    assert await logs_in_as_superuser(api, email)


async def test_asks_for_the_password_twice_when_not_in_the_environment(
    api: Api, database_url: URL
) -> None:
    email = new_email()
    result = await run_cli(
        ["create-superuser", email], cli_env(database_url), prompt=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert PASSWORD not in result.output
    assert await logs_in_as_superuser(api, email)


async def test_mismatched_prompt_answers_create_nothing(
    db: asyncpg.Connection, database_url: URL
) -> None:
    result = await run_cli(
        ["create-superuser", new_email()],
        cli_env(database_url),
        prompt=f"{PASSWORD}\nsomething else entirely\n",
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_promotes_an_existing_account_and_takes_it_over(user: Api, database_url: URL) -> None:
    result = await run_cli(
        ["create-superuser", user.email.upper()],
        cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD),
    )
    assert result.exit_code == 0, result.output
    assert result.output.lower().startswith(f"promoted {user.email} to superuser")
    # Whoever registered the email before the operator is locked out.
    assert (await user.me()).status_code == 401
    assert (await user.login()).status_code == 400
    assert await logs_in_as_superuser(user, user.email)


async def test_promotion_reactivates_a_deactivated_account(
    user: Api, db: asyncpg.Connection, database_url: URL
) -> None:
    await deactivate(db, user.id)
    result = await run_cli(
        ["create-superuser", user.email], cli_env(database_url, SUPERUSER_PASSWORD=PASSWORD)
    )
    assert result.exit_code == 0, result.output
    assert await logs_in_as_superuser(user, user.email)


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
