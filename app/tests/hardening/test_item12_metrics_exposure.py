"""Review item 12: `/metrics` is not reachable through the public entry point.

With `METRICS__BEARER_TOKEN` set, `GET /metrics` answers only a request that
carries `Authorization: Bearer <token>`; unset, it stays open (local use),
and production refuses to start without it. nginx (Compose) answers 404 for
/metrics at the public entry; Compose and Kubernetes pass the token from a
secret, and the Kubernetes monitoring manifests scrape with it.
"""

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Metrics, Settings
from app.tests.api_client import Api, AppFactory
from app.tests.hardening.deployment_files import (
    KUBERNETES_BASE,
    KUBERNETES_MONITORING,
    Manifest,
    compose_services,
    containers,
    kubernetes_objects,
    nginx_locations,
)
from app.tests.hardening.production_settings import production_settings

TOKEN = "metrics-token-" + "t" * 40


@pytest.fixture(scope="module")
async def guarded_app(make_app: AppFactory) -> AsyncIterator[FastAPI]:
    async with make_app(metrics={"bearer_token": TOKEN}) as application:
        yield application


@pytest.fixture
async def guarded(guarded_app: FastAPI) -> AsyncIterator[Api]:
    """A client of an app whose metrics ask for TOKEN."""
    async with Api.connect(guarded_app) as api:
        yield api


async def scrape(api: Api, **headers: str | bytes) -> httpx.Response:
    raw = {
        name.encode(): value if isinstance(value, bytes) else value.encode()
        for name, value in headers.items()
    }
    return await api.request("GET", "read_metrics", headers=raw)


async def test_metrics_without_credentials_get_401_with_a_bearer_challenge(
    guarded: Api,
) -> None:
    response = await scrape(guarded)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "http_requests_total" not in response.text


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer ",
        TOKEN,
        f"Token {TOKEN}",
        "Basic " + base64.b64encode(f"prometheus:{TOKEN}".encode()).decode(),
        f"Bearer {TOKEN.upper()}",
        # Not ASCII: compared as bytes, so no TypeError (500) either.
        "Bearer \u00e9t\u00e9".encode("latin-1"),
    ],
)
async def test_metrics_with_other_credentials_get_401(
    guarded: Api, authorization: str | bytes
) -> None:
    response = await scrape(guarded, Authorization=authorization)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_metrics_with_the_token_are_served(guarded: Api, scheme: str) -> None:
    response = await scrape(guarded, Authorization=f"{scheme} {TOKEN}")

    assert response.status_code == 200
    assert "http_requests_total" in response.text


async def test_a_scraper_reaching_a_pod_by_address_is_answered_by_the_token(
    guarded: Api,
) -> None:
    # Prometheus scrapes each pod at its address: the Host is no allowed host.
    pod = {"Host": "10.1.2.3:8000"}

    assert (await scrape(guarded, **pod)).status_code == 401
    authorized = await scrape(guarded, Authorization=f"Bearer {TOKEN}", **pod)
    assert authorized.status_code == 200


async def test_metrics_stay_open_without_a_token(api: Api) -> None:
    assert api.services.settings.metrics.bearer_token is None

    assert (await scrape(api)).status_code == 200


def production(**overrides: Any) -> Settings:
    return production_settings(**overrides)


@pytest.mark.parametrize("token", [None, "t" * 31], ids=["missing", "31 bytes"])
def test_production_refuses_to_start_without_a_metrics_token(token: str | None) -> None:
    with pytest.raises(ValidationError, match="METRICS__BEARER_TOKEN"):
        production(metrics=Metrics(bearer_token=token))


def test_production_starts_with_a_metrics_token() -> None:
    assert production(metrics=Metrics(bearer_token="t" * 32)).metrics.bearer_token


def test_nginx_answers_404_for_metrics_at_the_public_entry() -> None:
    locations = nginx_locations()

    assert locations["^~ /metrics"].split() == ["return", "404;"]
    assert "proxy_pass" in locations["/"]


def test_compose_passes_the_token_from_the_environment_it_requires() -> None:
    services = compose_services()

    for name in ("api", "migrate"):
        token = services[name]["environment"]["METRICS__BEARER_TOKEN"]
        assert token == "<METRICS__BEARER_TOKEN>", "required, without a default"


def _secret_reference(container: Manifest, name: str) -> dict[str, str]:
    (variable,) = [variable for variable in container["env"] if variable["name"] == name]
    reference: dict[str, str] = variable["valueFrom"]["secretKeyRef"]
    return reference


def _one(objects: list[Manifest], kind: str) -> Manifest:
    (manifest,) = [manifest for manifest in objects if manifest["kind"] == kind]
    return manifest


def test_kubernetes_pods_and_prometheus_share_the_token_of_one_secret() -> None:
    base = kubernetes_objects(KUBERNETES_BASE)
    (api,) = containers(_one(base, "Deployment"))
    reference = _secret_reference(api, "METRICS__BEARER_TOKEN")
    monitoring = kubernetes_objects(KUBERNETES_MONITORING)
    monitor = _one(monitoring, "ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]

    assert endpoint["authorization"] == {"type": "Bearer", "credentials": reference}
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] == "http"
    service_labels = _one(base, "Service")["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service_labels.items()


def test_kubernetes_lets_prometheus_reach_the_pods_only_with_the_monitoring_manifests() -> None:
    policy = _one(kubernetes_objects(KUBERNETES_MONITORING), "NetworkPolicy")
    (rule,) = policy["spec"]["ingress"]

    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert all(set(peer) == {"namespaceSelector", "podSelector"} for peer in rule["from"])
