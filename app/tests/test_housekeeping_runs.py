"""Housekeeping runs: two `app purge` processes at once, and the service's own periodic purge."""

import asyncio
import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL

from app.tests.api_client import Api, ApiFactory, AppFactory
from app.tests.hardening.deployment_files import KUBERNETES_BASE, containers, kubernetes_objects
from app.tests.test_housekeeping import add_throttle_counters, count
from app.tests.test_metrics import scrape, value

PURGE_TIMEOUT_SECS = 60.0
WAIT_SECS = 10.0
DELETED = "housekeeping_deleted_rows_total"
RUNS = "housekeeping_runs_total"


# The service's periodic purge, which the test settings switch off, every `interval_secs`.
def purging(interval_secs: float) -> dict[str, Any]:
    return {"enabled": True, "interval_secs": interval_secs}


async def purge_process(database: URL) -> str:
    """`app purge` in a process of its own, small batches so that two runs overlap."""
    env = {
        **os.environ,
        "DATABASE__URL": database.render_as_string(hide_password=False),
        "HOUSEKEEPING__BATCH_SIZE": "5",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "app", "purge"), env=env, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(PURGE_TIMEOUT_SECS):
        output, _ = await process.communicate()
    assert process.returncode == 0
    return output.decode()


async def until(condition: Callable[[], Any]) -> None:
    deadline = time.monotonic() + WAIT_SECS
    while not await condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


async def test_two_purges_at_once_both_succeed_and_delete_each_row_once(
    db: asyncpg.Connection, database_url: URL
) -> None:
    await add_throttle_counters(db, 3000, expires_in=-1)

    outputs = await asyncio.gather(purge_process(database_url), purge_process(database_url))

    counted = [re.search(r"(\d+) throttle counters?[.,]", output) for output in outputs]
    assert sum(int(match[1]) for match in counted if match) == 3000
    assert await count(db, "throttle_counters") == 0


async def no_expired_counters(db: asyncpg.Connection) -> bool:
    return await count(db, "throttle_counters", "expires_at <= now()") == 0


async def test_the_service_purges_by_itself_and_shows_it_in_its_metrics(
    api: Api, db: asyncpg.Connection, make_api: ApiFactory
) -> None:
    await add_throttle_counters(db, 3, expires_in=-1)
    await add_throttle_counters(db, 2, expires_in=60)
    before = await scrape(api)
    started = time.time()

    async with make_api(housekeeping=purging(interval_secs=0.05)) as service:
        await until(lambda: no_expired_counters(db))

        async def run_completed() -> bool:
            # Counters are one kind of several: the run ends after the last.
            last_run = value(await scrape(service), "housekeeping_last_run_timestamp_seconds")
            return last_run >= started

        await until(run_completed)
        after = await scrape(service)

    kind = {"kind": "throttle_counters"}
    assert value(after, DELETED, **kind) == value(before, DELETED, **kind) + 3
    assert value(after, "housekeeping_last_run_timestamp_seconds") >= started
    assert value(after, RUNS, outcome="completed") > value(before, RUNS, outcome="completed")
    assert await count(db, "throttle_counters") == 2


async def test_the_service_never_purges_when_switched_off(
    api: Api, db: asyncpg.Connection, make_app: AppFactory
) -> None:
    await add_throttle_counters(db, 3, expires_in=-1)
    before = await scrape(api)

    async with make_app(housekeeping={"enabled": False, "interval_secs": 0.01}):
        await asyncio.sleep(0.5)

    after = await scrape(api)
    assert await count(db, "throttle_counters") == 3
    assert value(after, RUNS, outcome="completed") == value(before, RUNS, outcome="completed")


async def failures_logged(logs: pytest.LogCaptureFixture, number: int) -> bool:
    failures = [r for r in logs.records if r.getMessage().startswith("Housekeeping failed")]
    return len(failures) >= number and all(r.exc_info for r in failures)


async def test_a_failing_purge_is_logged_and_the_service_keeps_serving(
    api: Api,
    app_logs: pytest.LogCaptureFixture,
    empty_database: Callable[[], Any],
    make_api: ApiFactory,
) -> None:
    before = await scrape(api)
    # A database without tables: every run fails.
    database = {"url": await empty_database()}
    async with make_api(database=database, housekeeping=purging(interval_secs=0.05)) as service:
        await until(lambda: failures_logged(app_logs, 2))
        after = await scrape(service)

    assert value(after, RUNS, outcome="failed") >= value(before, RUNS, outcome="failed") + 2


def test_kubernetes_purges_by_a_cronjob_configured_as_the_api_and_not_in_each_replica() -> None:
    objects = {manifest["kind"]: manifest for manifest in kubernetes_objects(KUBERNETES_BASE)}
    cronjob = objects["CronJob"]
    (purge,) = containers(cronjob["spec"]["jobTemplate"])
    (api,) = containers(objects["Deployment"])

    assert purge["command"] == ["app", "purge"]
    assert purge["image"] == api["image"]
    assert (purge["envFrom"], purge["env"]) == (api["envFrom"], api["env"])
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert objects["ConfigMap"]["data"]["HOUSEKEEPING__ENABLED"] == "false"
