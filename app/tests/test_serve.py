"""`app serve` in production shape: worker processes, shared metrics, JSON logs."""

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import URL

from app.tests.api_client import Api
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
            async with Api.remote(server.base_url, app) as api:
                assert (await api.openapi()).status_code == 200
        async with Api.remote(server.base_url, app) as api:
            scrapes = [(await api.metrics()).text for _ in range(2)]

    assert [requests_total(text, "/openapi.json") for text in scrapes] == [REQUESTS, REQUESTS]
    assert not list(temp_dir.glob("app-metrics-*")), "the metrics directory outlived the server"


async def test_production_logs_are_json_lines_with_the_request_fields(
    database_url: URL, tmp_path: Path, app: FastAPI
) -> None:
    env = server_env(database_url, tmp_path, LOG_FORMAT="json")
    async with run_server(env, tmp_path) as server, Api.remote(server.base_url, app) as api:
        await api.request("GET", "/openapi.json", headers={"X-Request-ID": "json-log-1"})
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
    async with run_server(env, tmp_path) as server, Api.remote(server.base_url, app) as api:
        await api.openapi()
        text = (await api.metrics()).text

    assert requests_total(text, "/openapi.json") == 1
    assert list(metrics_dir.glob("*.db"))
