"""GET /health/live and /health/ready (the 503 of /health/ready: test_database_outage.py)."""

import pytest

from app.tests.api_client import Api


@pytest.mark.parametrize("name", ["live", "ready"])
async def test_probe_answers_ok(api: Api, name: str) -> None:
    response = await api.request("GET", name)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("name", ["live", "ready"])
@pytest.mark.parametrize("host", ["10.1.2.3:8000", "pod.internal", ""])
async def test_probe_answers_whatever_the_host_header(api: Api, name: str, host: str) -> None:
    response = await api.request("GET", name, headers={"Host": host})
    assert response.status_code == 200
