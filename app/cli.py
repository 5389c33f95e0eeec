"""The `app` command line: `.venv/bin/app --help` (`app --help` in the image)."""

import asyncio
import os
import shutil
import signal
import tempfile
from types import FrameType
from typing import Annotated

import asyncpg
import typer
import uvicorn
from pydantic import ValidationError

from app.core import housekeeping
from app.core.config import ASYMMETRIC_ALGORITHMS, Settings, get_settings
from app.core.database import Database, resolve_database_url
from app.core.logging_setup import configure_logging, logging_config
from app.core.metrics import MULTIPROC_DIR_VARIABLE
from app.core.migrations import upgrade_database
from app.core.security.password import PasswordHashing
from app.core.security.signing_keys import generate_private_key_pem, public_key_pem
from app.core.superusers import make_superuser
from app.schemas.requests import UserCreateRequest

SUPERUSER_PASSWORD_ENV = "SUPERUSER_PASSWORD"

cli = typer.Typer(help="Operate the FastAPI auth backend.", no_args_is_help=True)
keys = typer.Typer(help="Keys that sign access tokens.", no_args_is_help=True)
cli.add_typer(keys, name="keys")


@cli.command()
def migrate() -> None:
    """Apply the database migrations (to the embedded database when none is configured)."""
    settings = get_settings()
    configure_logging(settings)
    url = asyncio.run(resolve_database_url(settings))
    asyncio.run(upgrade_database(url))
    typer.echo("Migrations applied: the database is at the latest revision.")


def _exit_normally(_signum: int, _frame: FrameType | None) -> None:
    # Uvicorn catches SIGTERM and SIGINT, shuts down gracefully, then raises
    # the signal again to end the process by it; end it by a normal exit
    # instead, so that `finally` blocks and exit handlers still run.
    raise SystemExit(0)


def _run_uvicorn(settings: Settings, host: str, port: int, reload: bool, workers: int) -> None:
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings),
        # The app logs every request itself (route template, request id, user).
        access_log=False,
        # Never rewrite the client from X-Forwarded-For here: the app reads it,
        # from SECURITY__TRUSTED_PROXIES only (app/core/client_address.py).
        proxy_headers=False,
        server_header=False,
        # On SIGTERM: stop accepting, let requests in flight finish, then exit.
        timeout_graceful_shutdown=settings.server.graceful_shutdown_secs,
    )


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST", help="Address to listen on."),
    port: int = typer.Option(8000, envvar="PORT", help="Port to listen on."),
    reload: bool = typer.Option(False, help="Restart when the code changes (development)."),
    workers: int = typer.Option(1, envvar="WORKERS", min=1, help="Worker processes."),
    migrate: bool = typer.Option(
        True, help="Apply the migrations first (--no-migrate: a migration job does it)."
    ),
) -> None:
    """Apply migrations, then serve the API (embedded PostgreSQL when none is configured)."""
    settings = get_settings()
    configure_logging(settings)
    # Resolving starts the embedded server in this process, which keeps it
    # running for the workers and stops it on exit.
    url = asyncio.run(resolve_database_url(settings))
    if migrate:
        asyncio.run(upgrade_database(url))
    typer.echo(f"Serving on http://{host}:{port} (API docs at /docs)")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_normally)
    # Several workers keep their metrics in files of one fresh directory, so
    # that a scrape answered by any of them reports the sum of all.
    metrics_dir = None
    if workers > 1 and not reload and MULTIPROC_DIR_VARIABLE not in os.environ:
        metrics_dir = tempfile.mkdtemp(prefix="app-metrics-")
        os.environ[MULTIPROC_DIR_VARIABLE] = metrics_dir
    try:
        _run_uvicorn(settings, host, port, reload, workers)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code=1)


def _superuser_credentials(email: str) -> UserCreateRequest:
    """Email and password, checked by the same rules as registration."""
    password = os.environ.get(SUPERUSER_PASSWORD_ENV)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return UserCreateRequest(email=email, password=password)
    except ValidationError as error:
        first = error.errors()[0]
        raise _fail(f"{first['loc'][0]}: {first['msg']}") from error


async def _store_superuser(*, settings: Settings, email: str, password_hash: str) -> bool:
    database = Database.open(await resolve_database_url(settings), settings.database)
    try:
        return await make_superuser(db=database, email=email, password_hash=password_hash)
    finally:
        await database.close()


@cli.command("create-superuser")
def create_superuser(
    email: Annotated[str, typer.Argument(help="Email of the account to create or promote.")],
) -> None:
    """Make EMAIL an active superuser: create the account, or promote an existing one.

    The password is taken from the environment variable SUPERUSER_PASSWORD when
    it is set, otherwise asked at a hidden prompt, twice. It follows the rules of
    registration (8 to 256 characters, not a common password). An existing
    account gets this password as well, and its open sessions are revoked.
    """
    settings = get_settings()
    configure_logging(settings)
    credentials = _superuser_credentials(email)
    hashing = PasswordHashing(settings.security)
    try:
        password_hash = hashing.hash_blocking(credentials.password)
    finally:
        hashing.close()
    try:
        created = asyncio.run(
            _store_superuser(
                settings=settings, email=credentials.email, password_hash=password_hash
            )
        )
    except asyncpg.UndefinedTableError as error:
        raise _fail("the database has no users table yet; run `app migrate` first") from error
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        raise _fail(f"cannot write to the database: {error}") from error
    if created:
        typer.echo(f"Created superuser {credentials.email}.")
    else:
        typer.echo(
            f"Promoted {credentials.email} to superuser; its password was replaced "
            "and its sessions revoked."
        )


async def _purge(settings: Settings) -> housekeeping.Purged:
    database = Database.open(await resolve_database_url(settings), settings.database)
    try:
        return await housekeeping.purge(db=database, settings=settings)
    finally:
        await database.close()


@cli.command()
def purge() -> None:
    """Delete ended sessions, expired recovery tokens and expired throttle counters.

    The service does this by itself every HOUSEKEEPING__INTERVAL_SECS unless
    HOUSEKEEPING__ENABLED=false. In short batches, skipping rows that requests
    hold; safe beside the service and beside another purge (while one runs,
    another stops and leaves the rest to it).
    """
    settings = get_settings()
    configure_logging(settings)
    try:
        purged = asyncio.run(_purge(settings))
    except asyncpg.UndefinedTableError as error:
        raise _fail("the database has no tables yet; run `app migrate` first") from error
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        raise _fail(f"cannot purge the database: {error}") from error
    typer.echo(purged.summary())


@keys.command("generate")
def generate_key(
    algorithm: Annotated[
        str, typer.Option(help=f"One of {', '.join(ASYMMETRIC_ALGORITHMS)}.")
    ] = "EdDSA",
) -> None:
    """Print a new PEM key pair: the private key (for SECURITY__JWT_SIGNING_KEYS or a key
    file; keep it secret), then its public key (for anyone)."""
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        raise _fail(f"--algorithm must be one of {', '.join(ASYMMETRIC_ALGORITHMS)}")
    private_pem = generate_private_key_pem(algorithm)
    typer.echo(private_pem + public_key_pem(private_pem), nl=False)


def main() -> None:
    cli()
