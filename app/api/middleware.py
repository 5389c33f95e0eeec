"""Pure ASGI middleware (no BaseHTTPMiddleware: it would copy every request).

Outermost first: request id and security headers on every response; CORS;
the Host check; the request body limit.
"""

import json
import logging
import re
import uuid

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import messages
from app.core.config import Settings

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
# Orchestrators probe these by address, whatever Host they send.
HOST_CHECK_EXEMPT_PATHS = frozenset({"/health/live", "/health/ready"})
# What a browser client of the API sends and reads across origins, beyond the
# CORS-safelisted headers (API.md v2, cookie mode).
CORS_ALLOWED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_ALLOWED_HEADERS = [
    "authorization",
    "content-type",
    "x-refresh-token-transport",
    "x-request-id",
]
CORS_EXPOSED_HEADERS = ["x-request-id", "retry-after"]


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def send_json(
    send: Send, status: int, body: dict[str, str], headers: list[tuple[bytes, bytes]]
) -> None:
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class RequestContextMiddleware:
    """`X-Request-ID` (the client's when well-formed) and `nosniff` on every response.

    Also the last line of defence: an unhandled error becomes a JSON 500 that
    still carries the request id, and is logged with it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, REQUEST_ID_HEADER)
        if request_id is None or not _VALID_REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()
        extra_headers = [
            (REQUEST_ID_HEADER, request_id),
            (b"x-content-type-options", b"nosniff"),
        ]
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("Unhandled error, request id %s", request_id.decode())
            if response_started:
                raise
            await send_json(send, 500, {"detail": messages.INTERNAL_ERROR}, extra_headers)


def _host_allowed(host_header: bytes | None, allowed_hosts: list[str]) -> bool:
    if "*" in allowed_hosts:
        return True
    if not host_header:
        return False
    # Host names compare without regard to case (RFC 9110 section 4.2.3).
    host = host_header.decode("latin-1").lower()
    # Strip the port; IPv6 literals keep their brackets: "[::1]:8000" -> "[::1]".
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 or "]:" in host else host
    for pattern in allowed_hosts:
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


class HostCheckMiddleware:
    """400 for a Host header outside the allowed hosts (DNS rebinding, cache poisoning)."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = [host.lower() for host in allowed_hosts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] not in HOST_CHECK_EXEMPT_PATHS
            and not _host_allowed(_header(scope, b"host"), self.allowed_hosts)
        ):
            await send_json(send, 400, {"detail": messages.INVALID_HOST_HEADER}, [])
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """413 for request bodies over `max_bytes`, announced or streamed (chunked).

    A declared Content-Length over the limit is refused before the app runs;
    a streamed body is counted as it is read, and the read fails with 413 the
    moment it passes the limit, so no more of it is buffered.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_length = _header(scope, b"content-length")
        # An invalid Content-Length never gets here: the server refuses it.
        if content_length is not None and int(content_length) > self.max_bytes:
            await send_json(send, 413, {"detail": messages.REQUEST_BODY_TOO_LARGE}, [])
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413, detail=messages.REQUEST_BODY_TOO_LARGE)
            return message

        await self.app(scope, counting_receive, send)


def cors_middleware(settings: Settings) -> Middleware | None:
    """CORS for the configured origins, or None when none is configured.

    Credentials (the refresh-token cookie, an Authorization header) are allowed
    only when every origin is listed by name: with "*" (refused in production)
    Starlette would answer any site that sends a cookie with that site's own
    origin and `Allow-Credentials: true`.
    """
    origins = settings.security.backend_cors_origins
    if not origins:
        return None
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials="*" not in origins,
        allow_methods=CORS_ALLOWED_METHODS,
        allow_headers=CORS_ALLOWED_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
    )
