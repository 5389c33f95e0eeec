"""Errors that routes answer beside their own, for `responses=`.

The middleware and the exception handlers give these on any route they
cover, so each operation lists them: /docs and the OpenAPI document then tell
clients the truth, and `make fuzz` holds the service to it.
"""

from typing import Any

from app.api import api_messages
from app.schemas.responses import ErrorResponse

Responses = dict[int | str, dict[str, Any]]

# The Host check (HostCheckMiddleware) covers every route but the health probes.
HOST_REJECTED: Responses = {
    400: {"model": ErrorResponse, "description": api_messages.INVALID_HOST_HEADER}
}
# The body limit (BodyLimitMiddleware) covers every route, whatever its method.
BODY_TOO_LARGE: Responses = {
    413: {"model": ErrorResponse, "description": api_messages.REQUEST_BODY_TOO_LARGE}
}
# Any route that uses the database, while it does not answer.
DATABASE_UNAVAILABLE: Responses = {
    503: {"model": ErrorResponse, "description": api_messages.DATABASE_UNAVAILABLE}
}
SERVICE_ERRORS: Responses = {**HOST_REJECTED, **BODY_TOO_LARGE, **DATABASE_UNAVAILABLE}
