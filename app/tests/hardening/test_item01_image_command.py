"""Review item 1 (High): the image serves with `app serve`, as `make run` does.

One code path sets up uvicorn for every shipped way to run (proxy headers
off, no Server header, graceful shutdown); the image adds `--no-migrate`,
since migrations are the migration job's. Started here from the Dockerfile's
own `CMD` and `ENV`.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import FastAPI
from sqlalchemy import URL

from app.core.database import asyncpg_dsn
from app.tests.api_client import Api
from app.tests.hardening.deployment_files import image_environment
from app.tests.hardening.test_item01_client_address_spoofing import (
    METRICS_TOKEN,
    PRODUCTION_CHECKS_MET,
    image_argv,
)
from app.tests.servers import run_command, server_env


async def test_the_image_serves_without_migrating_and_without_naming_the_server(
    empty_database: Callable[[], Any], tmp_path: Path, app: FastAPI
) -> None:
    url: URL = await empty_database()
    env = server_env(
        url,
        tmp_path,
        **image_environment(),
        **PRODUCTION_CHECKS_MET,
        METRICS__BEARER_TOKEN=METRICS_TOKEN,
    )
    async with (
        run_command(env, tmp_path, image_argv) as server,
        Api.remote(server.base_url, app) as api,
    ):
        response = await api.live()

    assert response.status_code == 200
    assert "server" not in response.headers
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await connection.fetchval("SELECT to_regclass('alembic_version')") is None
    finally:
        await connection.close()
