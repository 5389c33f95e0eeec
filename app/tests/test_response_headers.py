"""`X-Request-ID` and `X-Content-Type-Options: nosniff` on every response, errors included."""

import re
from typing import Any

import pytest

from app.tests.api_client import Api

NEW_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("request_id", ["abc", "A.b_c-9", "x" * 128, "0"])
async def test_valid_request_id_is_echoed(api: Api, request_id: str) -> None:
    response = await api.request("GET", "live", headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize(
    "request_id", [b"", b"x" * 129, b"has space", b"semi;colon", b"\xc3\xbcnicode", b"a/b"]
)
async def test_invalid_request_id_is_replaced(api: Api, request_id: bytes) -> None:
    response = await api.request("GET", "live", headers={b"X-Request-ID": request_id})
    assert NEW_REQUEST_ID.fullmatch(response.headers["x-request-id"])


async def test_missing_request_id_gets_a_new_one_per_request(api: Api) -> None:
    first = await api.live()
    second = await api.live()
    assert NEW_REQUEST_ID.fullmatch(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


# One request per kind of response: success, 400 Host, 401, 404, 405, 413, 422, OAuth2 400.
# A route name, or a path.
RESPONSES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "live", {}, 200),
    ("GET", "read_current_user", {"headers": {"Host": "evil.example"}}, 400),
    ("GET", "read_current_user", {}, 401),
    ("GET", "/no-such-path", {}, 404),
    ("DELETE", "live", {}, 405),
    ("POST", "register_new_user", {"content": b" " * 1_048_577}, 413),
    ("POST", "register_new_user", {"json": {}}, 422),
    ("POST", "login_access_token", {"data": {}}, 400),
]


@pytest.mark.parametrize(
    ("method", "name", "kwargs", "status"), RESPONSES, ids=[str(r[3]) for r in RESPONSES]
)
async def test_every_response_carries_request_id_and_nosniff(
    api: Api, method: str, name: str, kwargs: dict[str, Any], status: int
) -> None:
    headers = {"X-Request-ID": "trace-1", **kwargs.get("headers", {})}
    others = {key: value for key, value in kwargs.items() if key != "headers"}
    response = await api.request(method, name, headers=headers, **others)
    assert response.status_code == status
    assert response.headers["x-request-id"] == "trace-1"
    assert response.headers["x-content-type-options"] == "nosniff"
