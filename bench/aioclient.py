"""Applying a load with a small asyncio HTTP/1.1 client, when wrk is not installed.

Keep-alive connections, one coroutine each, requests prepared as bytes,
responses parsed only as far as the status and Content-Length: cheap enough
that the client takes a modest share of the CPU (wrk takes less).
"""

import asyncio
import time

from bench.load import Load, LoadResult
from bench.request_sources import RequestSource, request_source

SLOW_REQUEST_SECS = 10.0


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    return 0


async def _connection(
    port: int, source: RequestSource, deadline: float, latencies: list[float]
) -> int:
    """Requests on one connection until the deadline; the number of errors."""
    errors = 0
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            request = source.next_request()
            started = time.perf_counter()
            writer.write(request)
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), SLOW_REQUEST_SECS)
                body = await reader.readexactly(_content_length(head))
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                return errors + 1
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            errors += status >= 400
            source.on_response(status, body)
    finally:
        writer.close()
    return errors


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_asyncio(load: Load) -> LoadResult:
    source = request_source(load)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + load.duration_secs
    errors = await asyncio.gather(
        *(_connection(load.port, source, deadline, latencies) for _ in range(load.concurrency))
    )
    duration = time.perf_counter() - started
    ordered = sorted(latencies)
    return LoadResult(
        requests=len(latencies),
        duration_secs=duration,
        p50_ms=_percentile(ordered, 0.50) * 1e3,
        p90_ms=_percentile(ordered, 0.90) * 1e3,
        p99_ms=_percentile(ordered, 0.99) * 1e3,
        max_ms=(ordered[-1] if ordered else 0.0) * 1e3,
        errors=sum(errors),
    )
