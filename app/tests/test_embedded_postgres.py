"""Without DATABASE__URL the service runs on the embedded PostgreSQL under `data_dir`.

This runs whether or not the suite itself uses the embedded server, on the
project's `.data/` (the default `data_dir`), as `make run` would.
"""

from app.core.config import PROJECT_DIR, Database, Security, Settings
from app.core.database import resolve_database_url
from app.tests.apps import client_of, running_app
from app.tests.conftest import CHEAP_HASHING, TEST_JWT_SECRET
from app.tests.factories import url


def embedded_settings() -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database=Database(url=None),
        security=Security(jwt_secret_key=TEST_JWT_SECRET, **CHEAP_HASHING),
    )


async def test_embedded_server_listens_on_a_socket_under_the_data_dir() -> None:
    settings = embedded_settings()
    assert settings.data_dir == PROJECT_DIR / ".data"
    url_ = await resolve_database_url(settings)
    assert url_.query["host"] == str(PROJECT_DIR / ".data" / "postgres")


async def test_app_without_database_url_migrates_and_serves_the_embedded_database() -> None:
    async with running_app(embedded_settings()) as application, client_of(application) as client:
        response = await client.get(url(application, "ready"))  # SELECT 1
        openapi = await client.get("/openapi.json")
    assert response.json() == {"status": "ok"}
    assert openapi.status_code == 200
