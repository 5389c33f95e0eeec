"""GET /health/live and /health/ready (the 503 of /health/ready: test_database_outage.py)."""

import httpx
import pytest
from fastapi import FastAPI

from app.tests.factories import url


@pytest.mark.parametrize("name", ["live", "ready"])
async def test_probe_answers_ok(client: httpx.AsyncClient, app: FastAPI, name: str) -> None:
    response = await client.get(url(app, name))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("name", ["live", "ready"])
@pytest.mark.parametrize("host", ["10.1.2.3:8000", "pod.internal", ""])
async def test_probe_answers_whatever_the_host_header(
    client: httpx.AsyncClient, app: FastAPI, name: str, host: str
) -> None:
    response = await client.get(url(app, name), headers={"Host": host})
    assert response.status_code == 200
