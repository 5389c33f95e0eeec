"""The shipped deployments pass the production start-up checks once their secrets are real.

Compose and the Kubernetes ConfigMap are production settings: a check added
to the settings must not leave them unable to start.
"""

from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.tests.hardening.deployment_files import compose_services, kubernetes_objects

KUBERNETES_BASE = Path(__file__).resolve().parents[3] / "deploy" / "kubernetes" / "base"
REAL_SECRETS = {
    "SECURITY__JWT_SECRET_KEY": "a7f3c9e1" * 8,
    "SECURITY__DATA_ENCRYPTION_KEY": "c4e8a2f6" * 8,
    "METRICS__BEARER_TOKEN": "5b2d8e4f" * 8,
    "DATABASE__URL": "postgresql+asyncpg://app:s3cr3t-from-a-vault@db:5432/app",
}


def test_compose_starts_in_production_with_its_defaults(monkeypatch: Any) -> None:
    environment = {**compose_services()["api"]["environment"], **REAL_SECRETS}
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert settings.recovery.enabled is False


def test_kubernetes_configmap_starts_in_production(monkeypatch: Any) -> None:
    [configmap] = [o for o in kubernetes_objects(KUBERNETES_BASE) if o["kind"] == "ConfigMap"]
    for name, value in {**configmap["data"], **REAL_SECRETS}.items():
        monkeypatch.setenv(name, str(value))
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
