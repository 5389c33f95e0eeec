"""Prometheus metrics: the registry's metrics, pool sampling, and the text exposition.

With several worker processes (`app serve --workers N`), `PROMETHEUS_MULTIPROC_DIR`
names a directory where each worker keeps its values in memory-mapped files;
a scrape, answered by any one worker, adds up the files of all of them. The
variable must be set before this module is imported, which `app serve` does
before it starts the workers.
"""

import asyncio
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.core.database import Database

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
POOL_SAMPLE_INTERVAL_SECS = 5.0

HTTP_LABELS = ("method", "route", "status")
HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered, by route template", HTTP_LABELS)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to its last response byte",
    HTTP_LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOGINS = Counter("auth_logins", "Password grants, by outcome", ["outcome"])
REFRESHES = Counter("auth_refreshes", "Refresh-token grants, by outcome", ["outcome"])
REFRESH_TOKEN_REUSE = Counter(
    "auth_refresh_token_reuse_detections", "Spent refresh tokens replayed; each revoked a session"
)
THROTTLED = Counter("throttled_requests", "Requests refused with 429, by action", ["action"])
EMAILS = Counter(
    "emails",
    "Emails handed to SMTP (or, without SMTP__HOST, to the log), by template and outcome",
    ["template", "outcome"],
)
HOUSEKEEPING_DELETED_ROWS = Counter(
    "housekeeping_deleted_rows", "Rows deleted by housekeeping (app purge), by kind", ["kind"]
)
HOUSEKEEPING_RUNS = Counter(
    "housekeeping_runs",
    "Housekeeping runs, by outcome: completed, yielded (to a run of another process), failed",
    ["outcome"],
)
# max: a scrape reports the latest run of any worker.
HOUSEKEEPING_LAST_RUN = Gauge(
    "housekeeping_last_run_timestamp_seconds",
    "When the latest housekeeping run that did not fail ended (Unix time)",
    multiprocess_mode="max",
)
# livesum: a scrape adds up the workers that are alive.
DB_POOL_CONNECTIONS = Gauge(
    "db_pool_connections", "Open database connections", multiprocess_mode="livesum"
)
DB_POOL_CHECKED_OUT = Gauge(
    "db_pool_checked_out_connections",
    "Database connections in use by a request",
    multiprocess_mode="livesum",
)


def sample_pool(database: Database) -> None:
    """Copy the pool's use into the gauges (cheap: counters the pool keeps)."""
    connections, checked_out = database.pool_usage()
    DB_POOL_CONNECTIONS.set(connections)
    DB_POOL_CHECKED_OUT.set(checked_out)


async def sample_pool_forever(database: Database) -> None:
    """Keep the pool gauges fresh in every worker, not only in the one scraped."""
    while True:
        sample_pool(database)
        await asyncio.sleep(POOL_SAMPLE_INTERVAL_SECS)


def multiprocess_mode() -> bool:
    return MULTIPROC_DIR_VARIABLE in os.environ


def render() -> bytes:
    """The text exposition of every metric (of every worker, in multiprocess mode)."""
    if not multiprocess_mode():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_this_process() -> None:
    """Drop a stopping worker's live gauges from the multiprocess sums."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
