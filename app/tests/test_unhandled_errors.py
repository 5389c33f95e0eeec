"""The last line of defence: an error no handler expects becomes a JSON 500 with the request id.

No input should ever get here (the other modules prove it); a route added by
the test stands in for a bug.
"""

from collections.abc import AsyncIterator

import pytest
from fastapi.responses import StreamingResponse

from app.tests.api_client import Api, AppFactory, messages


class BugError(Exception):
    pass


async def fail() -> None:
    raise BugError


async def fail_midway() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        raise BugError

    return StreamingResponse(body())


@pytest.fixture
async def buggy(make_app: AppFactory) -> AsyncIterator[Api]:
    """A client of an app with two routes that fail: before and after the response starts."""
    async with make_app() as application:
        application.add_api_route("/test-bug", fail)
        application.add_api_route("/test-bug-midway", fail_midway)
        async with Api.connect(application) as api:
            yield api


async def test_unexpected_error_gives_json_500_with_request_id(buggy: Api) -> None:
    response = await buggy.request("GET", "/test-bug", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.json() == {"detail": messages.INTERNAL_ERROR}
    assert response.headers["x-request-id"] == "trace-500"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_error_after_the_response_started_is_not_hidden(buggy: Api) -> None:
    # Headers are gone already: the error propagates, and the server drops the connection.
    with pytest.raises(BugError):
        await buggy.request("GET", "/test-bug-midway")
