"""A TCP proxy between a server under test and PostgreSQL, to simulate outages.

`stop()` closes the port and cuts every connection, as a database that dies
would; `start()` brings it back on the same port. `hold()` keeps bytes from
reaching the database until `release()`, so that a request stays in flight
for as long as a test needs. `round_trips` counts the database's answers
(its ReadyForQuery messages), one per round trip a client makes.
"""

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import URL

# The server's ReadyForQuery message ('Z', length 5), before its status byte.
READY_FOR_QUERY = b"Z\x00\x00\x00\x05"


class TcpProxy:
    def __init__(self, upstream: URL) -> None:
        socket_dir = upstream.query.get("host")
        # The embedded server listens on a Unix socket only; another on TCP.
        self._unix_path = (
            str(Path(str(socket_dir)) / f".s.PGSQL.{upstream.port or 5432}") if socket_dir else None
        )
        self._tcp = (upstream.host or "127.0.0.1", upstream.port or 5432)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.port = 0
        self.round_trips = 0

    def url_for(self, upstream: URL) -> URL:
        """`upstream` reached through this proxy."""
        return upstream.difference_update_query(["host"]).set(host="127.0.0.1", port=self.port)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    def hold(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._unix_path is not None:
            return await asyncio.open_unix_connection(self._unix_path)
        return await asyncio.open_connection(*self._tcp)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await self._open_upstream()
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, gated=True),
                self._pump(up_reader, writer, counted=True),
            )
        finally:
            for stream in (writer, up_writer):
                self._writers.discard(stream)
                stream.transport.abort()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        gated: bool = False,
        counted: bool = False,
    ) -> None:
        tail = b""
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if counted:
                    # A message may straddle two reads: look at the previous read's tail too.
                    self.round_trips += (tail + data).count(READY_FOR_QUERY)
                    tail = data[-(len(READY_FOR_QUERY) - 1) :]
                if gated:
                    await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
