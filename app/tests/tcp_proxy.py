"""A TCP proxy to the test database server that a test can stop and restart (an outage)."""

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import URL


class TcpProxy:
    """Listens on 127.0.0.1 and forwards every connection to the database server.

    The server is reached over TCP, or over its Unix socket when the URL names
    a socket directory (`?host=/dir`, the embedded server). `stop()` closes
    the listening socket and every open connection, as a database crash would;
    `start()` listens again on the same port.
    """

    def __init__(self, server_url: URL) -> None:
        self._server_url = server_url
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0

    def url(self, database: URL) -> URL:
        """`database`, reached through this proxy."""
        return database.set(host="127.0.0.1", port=self.port, query={})

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        socket_dir = self._server_url.query.get("host")
        port = self._server_url.port or 5432
        if isinstance(socket_dir, str) and socket_dir.startswith("/"):
            return await asyncio.open_unix_connection(Path(socket_dir) / f".s.PGSQL.{port}")
        return await asyncio.open_connection(self._server_url.host, port)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        self._writers.clear()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            upstream_reader, upstream_writer = await self._open_upstream()
        except OSError:
            writer.close()
            return
        self._writers.add(upstream_writer)
        pipes = [
            asyncio.create_task(self._pipe(reader, upstream_writer)),
            asyncio.create_task(self._pipe(upstream_reader, writer)),
        ]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
