"""The last line of defence: an error no handler expects becomes a JSON 500 with the request id.

No input should ever get here (the other modules prove it); a route added by
the test stands in for a bug.
"""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from app.core import messages
from app.core.config import Settings
from app.main import create_app


class BugError(Exception):
    pass


@pytest.fixture
def buggy_app(make_settings: Callable[..., Settings]) -> FastAPI:
    application = create_app(make_settings())

    async def fail() -> None:
        raise BugError

    async def fail_midway() -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"partial"
            raise BugError

        return StreamingResponse(body())

    application.add_api_route("/test-bug", fail)
    application.add_api_route("/test-bug-midway", fail_midway)
    return application


async def test_unexpected_error_gives_json_500_with_request_id(buggy_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=buggy_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.get("/test-bug", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.json() == {"detail": messages.INTERNAL_ERROR}
    assert response.headers["x-request-id"] == "trace-500"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_error_after_the_response_started_is_not_hidden(buggy_app: FastAPI) -> None:
    # Headers are gone already: the error propagates, and the server drops the connection.
    transport = httpx.ASGITransport(app=buggy_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        with pytest.raises(BugError):
            await client.get("/test-bug-midway")
