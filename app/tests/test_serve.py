"""`app serve` in production shape: worker processes, shared metrics, JSON logs."""

import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import URL

from app.tests.servers import run_server, server_env

pytestmark = pytest.mark.usefixtures("db")

REQUESTS = 20


def requests_total(metrics_text: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels.get("route") == route
    )


async def test_metrics_of_all_workers_add_up(
    database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    env = server_env(database_url, tmp_path, TMPDIR=str(temp_dir))
    async with run_server(env, tmp_path, "--workers", "2") as server:
        for _ in range(REQUESTS):
            # A new connection each time, so that both workers take some.
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                assert (await client.get(app.openapi_url or "")).status_code == 200
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            scrapes = [(await client.get(url)).text for url in ("/metrics", "/metrics")]

    assert [requests_total(text, "/openapi.json") for text in scrapes] == [REQUESTS, REQUESTS]
    assert not list(temp_dir.glob("app-metrics-*")), "the metrics directory outlived the server"


async def test_production_logs_are_json_lines_with_the_request_fields(
    database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    env = server_env(database_url, tmp_path, LOG_FORMAT="json")
    async with (
        run_server(env, tmp_path) as server,
        httpx.AsyncClient(base_url=server.base_url) as client,
    ):
        await client.get(app.openapi_url or "", headers={"X-Request-ID": "json-log-1"})
    log = server.log_path

    entries = [json.loads(line) for line in _json_lines(log)]
    request = [entry for entry in entries if entry.get("request_id") == "json-log-1"]
    assert request == [
        {
            **request[0],
            "level": "INFO",
            "logger": "app.request",
            "method": "GET",
            "route": "/openapi.json",
            "status": 200,
        }
    ]
    assert any(entry["logger"].startswith("uvicorn") for entry in entries)


def _json_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("{")]


async def test_a_single_worker_uses_a_given_metrics_directory(
    database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**server_env(database_url, tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    async with (
        run_server(env, tmp_path) as server,
        httpx.AsyncClient(base_url=server.base_url) as client,
    ):
        await client.get(app.openapi_url or "")
        text = (await client.get("/metrics")).text

    assert requests_total(text, "/openapi.json") == 1
    assert list(metrics_dir.glob("*.db"))
