"""Review item 11: production refuses documented example secrets and keys too short for
their algorithm (RFC 7518 section 3.2: at least the hash's output, 32/48/64 bytes)."""

import re

import pytest
from pydantic import ValidationError

from app.core.config import PROJECT_DIR, Database
from app.tests.hardening.production_settings import production_settings, security

EXAMPLE_SECRET = PROJECT_DIR / "deploy" / "kubernetes" / "base" / "secret.example.yaml"


def example_secret_values() -> dict[str, str]:
    """The `stringData` entries of the example Secret (`  NAME: value` lines)."""
    lines = re.findall(r"^  ([A-Z_]+): (\S+)$", EXAMPLE_SECRET.read_text(), flags=re.MULTILINE)
    return dict(lines)


def test_production_refuses_the_example_kubernetes_jwt_secret() -> None:
    example = example_secret_values()["SECURITY__JWT_SECRET_KEY"]
    with pytest.raises(ValidationError, match="example value"):
        production_settings(security=security(jwt_secret_key=example))


def test_production_refuses_the_example_kubernetes_database_url() -> None:
    example = example_secret_values()["DATABASE__URL"]
    with pytest.raises(ValidationError, match=r"DATABASE__URL .*example value"):
        production_settings(database=Database(url=example))


@pytest.mark.parametrize(
    "placeholder",
    ["changethis" * 7, "CHANGE-ME-" * 7, "please-changeme-" * 4, "example-only-" * 5],
)
def test_production_refuses_placeholder_secrets(placeholder: str) -> None:
    with pytest.raises(ValidationError, match="example value"):
        production_settings(security=security(jwt_secret_key=placeholder))


@pytest.mark.parametrize(
    ("algorithm", "length", "needed"),
    [("HS256", 31, 32), ("HS384", 47, 48), ("HS512", 63, 64), ("HS512", 32, 64)],
)
def test_production_refuses_a_key_shorter_than_its_algorithm_needs(
    algorithm: str, length: int, needed: int
) -> None:
    with pytest.raises(ValidationError, match=f"at least {needed} bytes for {algorithm}"):
        production_settings(security=security(jwt_algorithm=algorithm, jwt_secret_key="k" * length))


@pytest.mark.parametrize(("algorithm", "enough"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_production_accepts_a_key_as_long_as_its_algorithm_needs(
    algorithm: str, enough: int
) -> None:
    settings = production_settings(
        security=security(jwt_algorithm=algorithm, jwt_secret_key="k" * enough)
    )
    assert settings.security.jwt_algorithm == algorithm


def test_outside_production_short_and_example_secrets_are_left_to_the_developer() -> None:
    example = example_secret_values()["SECURITY__JWT_SECRET_KEY"]
    settings = production_settings(
        environment="local", security=security(jwt_algorithm="HS512", jwt_secret_key=example)
    )
    assert settings.environment == "local"
