"""Find an operation in the OpenAPI document by its route's name.

The tests ask the server where things are rather than hard-coding paths, so
that a changed router prefix moves them along.
"""

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    operation_id: str
    tag: str


def _default_operation_id(*, route_name: str, path: str, method: str) -> str:
    # FastAPI's `generate_unique_id`: the route's name and path, non-word
    # characters replaced by underscores, then the method.
    return re.sub(r"\W", "_", f"{route_name}{path}") + f"_{method}"


def find_operation(document: dict[str, Any], *, route_name: str, method: str) -> Operation:
    """The operation whose route function is `route_name`."""
    method = method.lower()
    for path, operations in document["paths"].items():
        operation = operations.get(method)
        expected = _default_operation_id(route_name=route_name, path=path, method=method)
        if operation is not None and operation.get("operationId") == expected:
            tags = operation.get("tags") or ["default"]
            return Operation(path=path, operation_id=expected, tag=tags[0])
    raise LookupError(f"no {method.upper()} operation for route {route_name!r} in the document")


def operation_path(document: dict[str, Any], *, route_name: str, method: str) -> str:
    return find_operation(document, route_name=route_name, method=method).path
