"""The request log and the HTTP metrics, in one pure ASGI middleware.

It sits inside `RequestContextMiddleware` (which assigns the request id) and
outside the router, which records the matched route in `scope["route"]`; the
route template, never the raw path, labels the metrics, so their number
stays bounded. Requests that match no route are logged but not counted.
"""

import logging
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import metrics
from app.core.logging_setup import request_id_var

logger = logging.getLogger("app.request")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes come every few seconds: logged only at DEBUG.
QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})
MAX_LOGGED_PATH = 200


def route_template(scope: Scope) -> str | None:
    """The template of the route that handled the request ("/users/{user_id}"), if any.

    FastAPI puts the matched API route in `scope["route"]`; every router of the
    API declares its own prefix, so its `path_format` is the full template.
    Routes of the app itself (the docs, the OpenAPI document) leave only their
    endpoint in the scope: those without path parameters have their path as
    template.
    """
    route = scope.get("route")
    template: str | None = getattr(route, "path_format", None)
    if template is None and "endpoint" in scope and not scope.get("path_params"):
        template = scope["path"]
    return template


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Labelled children by (method, route, status): `labels()` takes a
        # lock and builds a key on every call, which the hot paths can skip.
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        request_id_var.set(state.get("request_id"))
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, duration: float) -> None:
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
        route = route_template(scope)
        if route is not None:
            key = (method, route, str(status))
            children = self._children.get(key)
            if children is None:
                children = (
                    metrics.HTTP_REQUESTS.labels(*key),
                    metrics.HTTP_REQUEST_DURATION.labels(*key),
                )
                self._children[key] = children
            children[0].inc()
            children[1].observe(duration)
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if not logger.isEnabledFor(level):
            return
        user_id = scope["state"].get("user_id")
        logger.log(
            level,
            "%s %s %d %.1f ms",
            method,
            route or scope["path"][:MAX_LOGGED_PATH],
            status,
            duration * 1000,
            extra={
                "method": method,
                "route": route,
                "path": None if route else scope["path"][:MAX_LOGGED_PATH],
                "status": status,
                "duration_ms": round(duration * 1000, 3),
                "user_id": str(user_id) if user_id else None,
            },
        )
