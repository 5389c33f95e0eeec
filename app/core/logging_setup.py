"""Structured logs: JSON lines in production, readable lines locally.

Every record logged while a request is served carries its request id (a
context variable that the request log middleware sets). Records carry only
the fields listed in `FIELDS`: no password, token or hash is ever passed to
a logger, and an unexpected `extra` is not printed.
"""

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.core.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FIELDS = (
    "request_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "session_id",
    "client",
    "action",
    "event",
)

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# C0 and C1 control characters, DEL, and the Unicode line and paragraph
# separators, as escapes: written raw, a newline (or a terminal escape) in a
# request path would end the log line and let a client forge the next one.
_CONTROL_ESCAPES = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}


def escape_control_characters(text: str) -> str:
    return text.translate(_CONTROL_ESCAPES)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: value for name in FIELDS if (value := record.__dict__.get(name)) is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """One line per record (a traceback follows on lines of its own).

    Control characters in the message are escaped: a message may carry what a
    client sent (a request path), and JSON lines escape them by themselves.
    """

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return escape_control_characters(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(
            f"{name}={escape_control_characters(str(value))}"
            for name, value in _fields(record).items()
            if name in ("request_id", "user_id")
        )
        return f"{line} [{fields}]" if fields else line


def uses_json(settings: Settings) -> bool:
    if settings.log_format is None:
        return settings.environment == "production"
    return settings.log_format == "json"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app's and uvicorn's loggers.

    Uvicorn's access log is left without a handler: the app logs every
    request itself, with its route template, request id and user.
    """
    formatter = JsonFormatter if uses_json(settings) else TextFormatter
    handler = {"handlers": ["default"], "level": settings.log_level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "app": handler,
            "uvicorn": handler,
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Configure the loggers once per process (uvicorn may have done it already)."""
    app_logger = logging.getLogger("app")
    if app_logger.handlers:
        app_logger.setLevel(settings.log_level)
        return
    logging.config.dictConfig(logging_config(settings))
