"""Logging for the application's own loggers (uvicorn configures its own)."""

import logging

from app.core.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    app_logger = logging.getLogger("app")
    app_logger.setLevel(settings.log_level)
    if not app_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        app_logger.addHandler(handler)
        app_logger.propagate = False
