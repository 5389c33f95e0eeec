"""The OpenAPI document lists the errors that the middleware and handlers give on any route.

Regressions found by `make fuzz`: 413 (body limit), 400 (Host check) and 503
(database unavailable) were answered but documented nowhere.
"""

from typing import Any

import pytest

from app.api.middleware import HOST_CHECK_EXEMPT_PATHS
from app.tests.api_client import Api

DATABASE_TAGS = {"auth", "users"}


@pytest.fixture
async def operations(api: Api) -> list[tuple[str, dict[str, Any]]]:
    document = (await api.openapi()).json()
    return [
        (path, operation)
        for path, path_item in document["paths"].items()
        for operation in path_item.values()
    ]


async def test_every_operation_documents_413_for_a_body_over_the_limit(
    operations: list[tuple[str, dict[str, Any]]],
) -> None:
    undocumented = [path for path, operation in operations if "413" not in operation["responses"]]
    assert undocumented == []


async def test_every_operation_but_the_health_probes_documents_400_for_a_rejected_host(
    operations: list[tuple[str, dict[str, Any]]],
) -> None:
    checked = [(path, op) for path, op in operations if path not in HOST_CHECK_EXEMPT_PATHS]
    undocumented = [path for path, operation in checked if "400" not in operation["responses"]]
    assert checked
    assert undocumented == []


async def test_every_operation_that_uses_the_database_documents_503(
    operations: list[tuple[str, dict[str, Any]]],
) -> None:
    checked = [(path, op) for path, op in operations if DATABASE_TAGS & set(op["tags"])]
    undocumented = [path for path, operation in checked if "503" not in operation["responses"]]
    assert checked
    assert undocumented == []
