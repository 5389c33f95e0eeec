"""Settings of a production deployment that passes every start-up check, and a log catcher.

Each hardening test changes one thing of `production_settings()` and expects
the start-up checks (the settings' validators) to refuse it, or not.
"""

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.core.config import Database, Metrics, Security, Settings, Smtp
from app.core.logging_setup import TextFormatter

STRONG_SECRET = "0123456789abcdef" * 4  # 64 bytes: enough for HS512
DATA_KEY = "fedcba9876543210" * 4
EXAMPLE_DATABASE_URL = "postgresql+asyncpg://app:a-real-password@db:5432/app"


def production_settings(
    *, database_url: str = EXAMPLE_DATABASE_URL, data_dir: Path | None = None, **overrides: Any
) -> Settings:
    """Validated production settings: a strong secret, a database, SMTP on the loopback."""
    values: dict[str, Any] = {
        "environment": "production",
        "database": Database(url=database_url, pool_size=2),
        "security": Security(jwt_secret_key=STRONG_SECRET, data_encryption_key=DATA_KEY),
        "smtp": Smtp(host="127.0.0.1", port=1025, security="none"),
        "metrics": Metrics(bearer_token=STRONG_SECRET),
        **({"data_dir": data_dir} if data_dir else {}),
        **overrides,
    }
    return Settings(_env_file=None, **values)


def security(**changes: Any) -> Security:
    """The production security settings with `changes`."""
    return Security(**{"jwt_secret_key": STRONG_SECRET, "data_encryption_key": DATA_KEY, **changes})


@contextmanager
def text_log() -> Iterator[io.StringIO]:
    """What the "app" loggers write, formatted as the text log of a server."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("app")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield output
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
