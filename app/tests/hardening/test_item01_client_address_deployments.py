"""Review item 1 (High), in the shipped deployments: nothing trusts forwarded headers from all.

uvicorn's own proxy-header handling (`--proxy-headers`, `FORWARDED_ALLOW_IPS`)
would rewrite the peer before the app's trusted-proxy logic runs, so no
shipped way to run enables it; each says which proxy it trusts through
`SECURITY__TRUSTED_PROXIES` alone, and in Kubernetes a NetworkPolicy lets only
the ingress controller reach the pods. The real servers are tested in
test_item01_client_address_spoofing.py; this module reads the files they start from.
"""

import json
from pathlib import Path

import pytest

from app.tests.hardening.deployment_files import (
    KUBERNETES_BASE,
    KUBERNETES_PRODUCTION,
    Manifest,
    compose_file,
    compose_services,
    containers,
    image_command,
    image_environment,
    kubernetes_objects,
    make_recipe,
)

UVICORN_PROXY_OPTIONS = ("--proxy-headers", "--forwarded-allow-ips")


def runs_uvicorn_with_proxy_headers(command: list[str]) -> bool:
    """Whether a command line lets uvicorn rewrite the client from X-Forwarded-For.

    uvicorn's own command line turns proxy headers on unless told otherwise.
    """
    if any(arg.startswith(UVICORN_PROXY_OPTIONS) for arg in command):
        return True
    return bool(command) and command[0] == "uvicorn" and "--no-proxy-headers" not in command


def test_the_image_leaves_forwarded_headers_to_the_app() -> None:
    assert "FORWARDED_ALLOW_IPS" not in image_environment()
    assert not runs_uvicorn_with_proxy_headers(image_command())


def test_make_run_and_serve_prod_start_app_serve_without_proxy_headers() -> None:
    for target in ("run", "serve-prod"):
        recipe = " ".join(make_recipe(target))
        assert " app serve " in recipe
        assert "FORWARDED_ALLOW_IPS" not in recipe
        assert not any(option in recipe for option in UVICORN_PROXY_OPTIONS)


def test_compose_services_leave_forwarded_headers_to_the_app() -> None:
    for service in compose_services().values():
        assert "FORWARDED_ALLOW_IPS" not in service.get("environment", {})
        command = service.get("command", [])
        assert not runs_uvicorn_with_proxy_headers(command if isinstance(command, list) else [])


def test_compose_api_trusts_exactly_the_nginx_proxy_which_alone_reaches_it() -> None:
    services = compose_services()
    proxy_addresses = [
        network["ipv4_address"] for network in services["proxy"]["networks"].values()
    ]
    api = services["api"]

    trusted = json.loads(api["environment"]["SECURITY__TRUSTED_PROXIES"])

    assert trusted == proxy_addresses
    assert "ports" not in api
    subnets = [
        pool["subnet"]
        for network in compose_file()["networks"].values()
        for pool in network["ipam"]["config"]
    ]
    assert subnets, "the proxy's fixed address needs a network with a fixed subnet"


def _env_names(container: Manifest) -> set[str]:
    return {variable["name"] for variable in container.get("env", [])}


@pytest.mark.parametrize("kustomization", [KUBERNETES_BASE, KUBERNETES_PRODUCTION])
def test_kubernetes_containers_leave_forwarded_headers_to_the_app(kustomization: Path) -> None:
    for manifest in kubernetes_objects(kustomization):
        assert "FORWARDED_ALLOW_IPS" not in manifest.get("data", {})
        for container in containers(manifest):
            assert "FORWARDED_ALLOW_IPS" not in _env_names(container)
            command = container.get("command", []) + container.get("args", [])
            assert not runs_uvicorn_with_proxy_headers(command)


def _of_kind(objects: list[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in objects if manifest["kind"] == kind]


def test_kubernetes_config_names_the_trusted_proxies() -> None:
    (config,) = _of_kind(kubernetes_objects(KUBERNETES_BASE), "ConfigMap")

    assert json.loads(config["data"]["SECURITY__TRUSTED_PROXIES"])


def test_kubernetes_network_policy_admits_only_the_ingress_controller_to_the_api_pods() -> None:
    objects = kubernetes_objects(KUBERNETES_BASE)
    (deployment,) = _of_kind(objects, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    (policy,) = _of_kind(objects, "NetworkPolicy")
    spec = policy["spec"]

    assert spec["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    (peer,) = rule["from"]
    assert set(peer) == {"namespaceSelector", "podSelector"}
    assert peer["namespaceSelector"]["matchLabels"]
    assert peer["podSelector"]["matchLabels"]
