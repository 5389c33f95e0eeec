"""The request log and security events: structured, with request id and user, no secrets."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.config import Settings
from app.core.logging_setup import JsonFormatter, RequestIdFilter, TextFormatter, uses_json
from app.tests.api_client import Api
from app.tests.conftest import TEST_JWT_SECRET


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Records of the `app` loggers (which do not propagate to the root logger)."""
    app_logger = logging.getLogger("app")
    collector = Collector()
    app_logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        app_logger.removeHandler(collector)


def find(records: list[logging.LogRecord], logger: str, **fields: object) -> dict[str, Any]:
    """The attributes of the first record of `logger` with these fields."""
    for record in records:
        attributes = vars(record)
        if record.name == logger and all(
            attributes.get(key) == value for key, value in fields.items()
        ):
            return attributes
    raise AssertionError(f"no {logger} record with {fields}")


async def test_request_is_logged_with_request_id_route_status_duration_and_user(
    user: Api, records: list[logging.LogRecord]
) -> None:
    await user.request("GET", "read_current_user", headers={"X-Request-ID": "req-42"})

    record = find(records, "app.request", request_id="req-42")
    assert record["levelno"] == logging.INFO
    assert (record["method"], record["route"], record["status"]) == ("GET", "/users/me", 200)
    assert record["user_id"] == user.id
    assert record["duration_ms"] > 0


async def test_unmatched_path_is_logged_with_its_path(
    api: Api, records: list[logging.LogRecord]
) -> None:
    await api.request("GET", "/no-such-page", headers={"X-Request-ID": "req-404"})

    record = find(records, "app.request", request_id="req-404")
    assert (record["route"], record["path"], record["status"]) == (None, "/no-such-page", 404)


async def test_failed_login_is_a_warning_with_its_request_id(
    user: Api, records: list[logging.LogRecord]
) -> None:
    await user.request(
        "POST",
        "login_access_token",
        data={"username": user.email, "password": "a wrong password"},
        headers={"X-Request-ID": "req-bad-login"},
    )

    record = find(records, "app.security", event="login_failed", request_id="req-bad-login")
    assert record["levelno"] == logging.WARNING
    assert record["user_id"] == user.id


async def test_password_change_and_logout_all_are_warnings(
    user: Api, records: list[logging.LogRecord]
) -> None:
    await user.change_password("another long passphrase")
    await user.logout_all()

    for event in ("password_changed", "sessions_revoked"):
        record = find(records, "app.security", event=event, user_id=user.id)
        assert record["levelno"] == logging.WARNING


async def test_throttling_is_a_warning(api: Api, records: list[logging.LogRecord]) -> None:
    for _ in range(6):
        await api.register("throttled@example.com")

    record = find(records, "app.security", event="throttled", action="register")
    assert record["levelno"] == logging.WARNING
    assert record["client"] == "127.0.0.1"


async def test_no_password_or_token_reaches_the_log(
    user: Api, records: list[logging.LogRecord]
) -> None:
    tokens = user.tokens
    await user.refresh()
    await user.login(password="a wrong password")

    lines = [
        formatter.format(record)
        for record in records
        for formatter in (JsonFormatter(), TextFormatter())
    ]
    secrets = (
        user.password,
        "a wrong password",
        tokens["access_token"],
        tokens["refresh_token"],
        user.tokens["access_token"],
        user.tokens["refresh_token"],
    )
    assert lines
    assert not [line for line in lines for secret in secrets if secret in line]


async def test_json_lines_carry_the_request_fields(
    api: Api, records: list[logging.LogRecord]
) -> None:
    await api.request("GET", "/openapi.json", headers={"X-Request-ID": "req-json"})

    entry = json.loads(
        JsonFormatter().format(
            logging.makeLogRecord(find(records, "app.request", request_id="req-json"))
        )
    )

    assert entry["level"] == "INFO"
    assert entry["request_id"] == "req-json"
    assert (entry["method"], entry["route"], entry["status"]) == ("GET", "/openapi.json", 200)
    assert "user_id" not in entry


def test_json_lines_carry_the_traceback_of_an_error(records: list[logging.LogRecord]) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("app.test").exception("Failed")

    entry = json.loads(JsonFormatter().format(logging.makeLogRecord(find(records, "app.test"))))

    assert "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize(
    ("environment", "log_format", "expected"),
    [
        ("production", None, True),
        ("local", None, False),
        ("production", "text", False),
        ("local", "json", True),
    ],
)
def test_logs_are_json_in_production_unless_configured(
    environment: str, log_format: str | None, expected: bool
) -> None:
    settings = Settings(
        environment=environment,
        log_format=log_format,
        database={"url": "postgresql+asyncpg://db/app"},
        security={"jwt_secret_key": TEST_JWT_SECRET, "data_encryption_key": TEST_JWT_SECRET},
        smtp={"host": "smtp.example.com"},
        metrics={"bearer_token": TEST_JWT_SECRET},
    )

    assert uses_json(settings) is expected
