"""Errors that routes answer beside their own, for `responses=`.

The middleware and the exception handlers give these on any route they
cover, so each operation lists them: /docs and the OpenAPI document then tell
clients the truth, and `make fuzz` holds the service to it.
"""

from typing import Any

from app.core import messages
from app.schemas.responses import ErrorResponse, MfaRequiredResponse, OAuth2ErrorResponse

Responses = dict[int | str, dict[str, Any]]

# The Host check (HostCheckMiddleware) covers every route but the health probes.
HOST_REJECTED: Responses = {
    400: {"model": ErrorResponse, "description": messages.INVALID_HOST_HEADER}
}
# The body limit (BodyLimitMiddleware) covers every route, whatever its method.
BODY_TOO_LARGE: Responses = {
    413: {"model": ErrorResponse, "description": messages.REQUEST_BODY_TOO_LARGE}
}
# Any route that uses the database, while it does not answer.
DATABASE_UNAVAILABLE: Responses = {
    503: {"model": ErrorResponse, "description": messages.DATABASE_UNAVAILABLE}
}
SERVICE_ERRORS: Responses = {**HOST_REJECTED, **BODY_TOO_LARGE, **DATABASE_UNAVAILABLE}
# Routes that need a signed-in user.
UNAUTHORIZED: Responses = {
    401: {"model": ErrorResponse, "description": messages.INVALID_ACCESS_TOKEN}
}
# Administration routes: a signed-in superuser.
SUPERUSER_ONLY: Responses = {
    **UNAUTHORIZED,
    403: {
        "model": ErrorResponse,
        "description": f"{messages.SUPERUSER_REQUIRED}; or, with "
        f"SECURITY__REQUIRE_MFA_FOR_SUPERUSERS, {messages.SECOND_FACTOR_REQUIRED}",
    },
}
# Every throttled route.
THROTTLED: Responses = {
    429: {
        "model": ErrorResponse,
        "description": messages.TOO_MANY_ATTEMPTS,
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}
# The OAuth2 endpoints: either shape, since the Host check's 400 has no `error`.
OAUTH2_ERRORS: Responses = {
    400: {
        "model": OAuth2ErrorResponse | ErrorResponse,
        "description": "An RFC 6749 section 5.2 error (`error` says which), or an invalid Host",
    }
}


def form_body(properties: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of an endpoint that parses its urlencoded form itself:
    tells OpenAPI (and the Swagger "Try it out" form) which fields it takes."""
    schema = {"type": "object", "properties": properties}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


def error(status_code: int, description: str) -> Responses:
    """One more documented error of a route."""
    return {status_code: {"model": ErrorResponse, "description": description}}


# The password grant for an account with a second factor.
MFA_REQUIRED: Responses = {
    403: {"model": MfaRequiredResponse, "description": messages.MFA_REQUIRED},
}
