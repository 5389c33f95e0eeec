"""`/metrics`: Prometheus text format, behind a bearer token when one is configured.

With `METRICS__BEARER_TOKEN` set (production requires it), a scrape must send
`Authorization: Bearer <token>`; anything else gets 401. Unset, the endpoint
is open, for local use, and under the Host check like every route but the
health probes. With a token it is exempt from the Host check: Prometheus
scrapes each pod at its own address, and the token keeps others out. The
shipped proxies also keep /metrics off the public entry (deploy/README.md).
"""

import hmac

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from app.api.deps import services_of
from app.core import messages, metrics
from app.schemas.responses import ErrorResponse

router = APIRouter(tags=["operations"])


# `async def`: it does no I/O, and FastAPI would run a plain `def` in a thread.
async def require_scraper(request: Request) -> None:
    """401 unless the request carries the configured bearer token (compared in constant time)."""
    token = services_of(request).settings.metrics.bearer_token
    if token is None:
        return
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    # Compared even for a wrong scheme, so the answer takes as long either way.
    matches = hmac.compare_digest(credentials.strip().encode(), expected)
    if not (matches and scheme.lower() == "bearer"):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=messages.NOT_AUTHENTICATED,
            headers={"WWW-Authenticate": "Bearer"},
        )


# A plain `def`: FastAPI runs it in a worker thread, so reading the
# multiprocess files never blocks the event loop.
@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}},
        401: {
            "model": ErrorResponse,
            "description": "METRICS__BEARER_TOKEN is set and the request does not carry it",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
    },
    dependencies=[Depends(require_scraper)],
)
def read_metrics(request: Request) -> Response:
    metrics.sample_pool(services_of(request).database)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
