"""Applying a load with a small asyncio HTTP/1.1 client, when wrk is not installed.

Keep-alive connections, one coroutine each, requests prepared as bytes,
responses parsed only as far as the status and Content-Length: cheap enough
that the client takes a modest share of the CPU (wrk takes less).
"""

import asyncio
import time

from bench.load import Load, LoadResult, load_result
from bench.request_sources import RequestSource, request_source

SLOW_REQUEST_SECS = 10.0
# What ends a connection's requests: no answer in time, or the server closed it.
CONNECTION_FAILURES = (TimeoutError, asyncio.IncompleteReadError, ConnectionError)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    return 0


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection: the status and body of its response."""
    writer.write(request)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), SLOW_REQUEST_SECS)
    body = await reader.readexactly(_content_length(head))
    return int(head[9:12]), body


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
            try:
                status, body = await exchange(reader, writer, request)
            except CONNECTION_FAILURES:
                return errors + 1
            latencies.append(time.perf_counter() - started)
            errors += status >= 400
            source.on_response(status, body)
    finally:
        writer.close()
    return errors


async def run_asyncio(load: Load) -> LoadResult:
    source = request_source(load)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + load.duration_secs
    errors = await asyncio.gather(
        *(_connection(load.port, source, deadline, latencies) for _ in range(load.concurrency))
    )
    return load_result(latencies, time.perf_counter() - started, sum(errors))
