"""The `app` command line: `uv run app --help`."""

import asyncio

import typer
import uvicorn

from app.core.config import get_settings
from app.core.database_session import resolve_database_url
from app.core.logging_setup import configure_logging
from app.core.migrations import upgrade_database

cli = typer.Typer(help="Operate the FastAPI auth backend.", no_args_is_help=True)


@cli.command()
def migrate() -> None:
    """Apply the database migrations (to the embedded database when none is configured)."""
    settings = get_settings()
    configure_logging(settings)
    url = asyncio.run(resolve_database_url(settings))
    asyncio.run(upgrade_database(url))
    typer.echo("Migrations applied: the database is at the latest revision.")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST", help="Address to listen on."),
    port: int = typer.Option(8000, envvar="PORT", help="Port to listen on."),
    reload: bool = typer.Option(False, help="Restart when the code changes (development)."),
    workers: int = typer.Option(1, envvar="WORKERS", min=1, help="Worker processes."),
) -> None:
    """Apply migrations, then serve the API (embedded PostgreSQL when none is configured)."""
    settings = get_settings()
    configure_logging(settings)
    # Resolving starts the embedded server in this process, which keeps it
    # running for the workers and stops it on exit.
    url = asyncio.run(resolve_database_url(settings))
    asyncio.run(upgrade_database(url))
    typer.echo(f"Serving on http://{host}:{port} (API docs at /docs)")
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        log_level=settings.log_level.lower(),
    )


def main() -> None:
    cli()
