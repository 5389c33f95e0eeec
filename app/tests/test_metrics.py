"""`/metrics`: HTTP traffic by route template, auth outcomes, throttling, database pools."""

import uuid
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.tests.apps import running_app, with_lifespan_state
from app.tests.factories import bearer, login, new_email, register, register_and_login, url

pytestmark = pytest.mark.usefixtures("db")


async def scrape(
    client: httpx.AsyncClient, app: FastAPI
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get(url(app, "read_metrics"))
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_method_and_status(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _, tokens = await register_and_login(client, app)
    labels = {"method": "GET", "route": "/users/me", "status": "200"}
    before = await scrape(client, app)

    await client.get(url(app, "read_current_user"), headers=bearer(tokens))

    after = await scrape(client, app)
    for name in ("http_requests_total", "http_request_duration_seconds_count"):
        assert value(after, name, **labels) == value(before, name, **labels) + 1


async def test_unknown_paths_are_not_recorded(client: httpx.AsyncClient, app: FastAPI) -> None:
    path = f"/no-such-page-{uuid.uuid4().hex}"
    assert (await client.get(path)).status_code == 404

    response = await client.get(url(app, "read_metrics"))

    assert path not in response.text


async def test_unknown_methods_are_labelled_other(client: httpx.AsyncClient, app: FastAPI) -> None:
    labels = {"method": "OTHER", "route": "/users/me", "status": "405"}
    before = await scrape(client, app)

    assert (await client.request("BREW", url(app, "read_current_user"))).status_code == 405

    after = await scrape(client, app)
    assert (
        value(after, "http_requests_total", **labels)
        == value(before, "http_requests_total", **labels) + 1
    )


async def test_login_outcomes_are_counted(client: httpx.AsyncClient, app: FastAPI) -> None:
    account = await register(client, app)
    before = await scrape(client, app)

    await login(client, app, email=account.email)
    await client.post(
        url(app, "login_access_token"), data={"username": account.email, "password": "wrong-pass"}
    )

    after = await scrape(client, app)
    for outcome in ("success", "failure"):
        assert value(after, "auth_logins_total", outcome=outcome) == (
            value(before, "auth_logins_total", outcome=outcome) + 1
        )


async def test_refreshes_and_reuse_detections_are_counted(
    make_settings: Callable[..., Settings],
) -> None:
    async with (
        running_app(make_settings(refresh_reuse_grace_secs=0)) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=with_lifespan_state(app)), base_url="http://localhost"
        ) as client,
    ):
        _, tokens = await register_and_login(client, app)
        before = await scrape(client, app)
        body = {"refresh_token": tokens["refresh_token"]}
        assert (await client.post(url(app, "refresh_token"), json=body)).status_code == 200
        assert (await client.post(url(app, "refresh_token"), json=body)).status_code == 400
        after = await scrape(client, app)

    for outcome in ("success", "failure"):
        assert value(after, "auth_refreshes_total", outcome=outcome) == (
            value(before, "auth_refreshes_total", outcome=outcome) + 1
        )
    reuse = "auth_refresh_token_reuse_detections_total"
    assert value(after, reuse) == value(before, reuse) + 1


async def test_throttled_requests_are_counted(client: httpx.AsyncClient, app: FastAPI) -> None:
    before = await scrape(client, app)
    body = {"email": new_email(), "password": "correct horse battery staple"}
    statuses = [
        (await client.post(url(app, "register_new_user"), json=body)).status_code for _ in range(6)
    ]

    after = await scrape(client, app)
    assert statuses[-1] == 429
    assert value(after, "throttled_requests_total", action="register") == (
        value(before, "throttled_requests_total", action="register") + 1
    )


async def test_database_pool_is_reported(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register_and_login(client, app)  # the ORM and hand-written SQL share the pool

    samples = await scrape(client, app)

    assert value(samples, "db_pool_connections") >= 1
    assert ("db_pool_checked_out_connections", frozenset()) in samples


async def test_metrics_need_no_token_but_an_allowed_host(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    allowed = await client.get(url(app, "read_metrics"))
    other_host = await client.get(url(app, "read_metrics"), headers={"Host": "evil.example"})

    assert allowed.status_code == 200
    assert allowed.headers["content-type"].startswith("text/plain")
    assert other_host.status_code == 400


async def test_routes_of_the_app_itself_are_counted_by_their_path(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    labels = {"method": "GET", "route": "/openapi.json", "status": "200"}
    before = await scrape(client, app)

    assert (await client.get(app.openapi_url or "")).status_code == 200

    after = await scrape(client, app)
    assert value(after, "http_requests_total", **labels) == (
        value(before, "http_requests_total", **labels) + 1
    )
