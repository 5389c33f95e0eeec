"""`/metrics`: Prometheus text format, no authentication (scrapers reach it on the
internal network; it names no user). It is not exempt from the Host check:
a scraper configured with the service's name sends an allowed Host.
"""

from fastapi import APIRouter, Request, Response

from app.api.deps import services_of
from app.core import metrics

router = APIRouter(tags=["operations"])


# A plain `def`: FastAPI runs it in a worker thread, so reading the
# multiprocess files never blocks the event loop.
@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def read_metrics(request: Request) -> Response:
    metrics.sample_pool(services_of(request).database)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
