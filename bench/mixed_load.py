"""A mixed load at a fixed rate, open loop: each request is sent when it is due.

Requests come due at a fixed rate whether or not earlier ones were answered,
and a request's latency runs from when it was due, so a server that stalls
shows it in full instead of slowing the load down (no coordinated omission).
The kinds of request follow each other in a fixed, evenly interleaved order
that gives each its share (weights), over a fixed set of keep-alive
connections: a request that finds every connection busy waits for one, and
that wait counts in its latency.
"""

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import cycle
from urllib.parse import urlencode

from bench.aioclient import CONNECTION_FAILURES, exchange
from bench.config import PASSWORD
from bench.request_sources import http_request

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
_JSON = {"Content-Type": "application/json"}
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True, slots=True)
class Sample:
    due: float  # on time.perf_counter()'s clock
    kind: str
    latency_secs: float
    status: int  # 0: no answer (timeout, connection closed)

    @property
    def ok(self) -> bool:
        return 0 < self.status < 400


def interleaved(weights: dict[str, int]) -> list[str]:
    """One period of the kinds in smooth weighted round-robin order (14:5:1 -> 20 requests)."""
    total = sum(weights.values())
    credit = dict.fromkeys(weights, 0)
    order = []
    for _ in range(total):
        for kind, weight in weights.items():
            credit[kind] += weight
        chosen = max(credit, key=lambda kind: credit[kind])
        credit[chosen] -= total
        order.append(chosen)
    return order


@dataclass(slots=True)
class MixedLoad:
    port: int
    rate_per_sec: float
    weights: dict[str, int]
    connections: int
    # Access tokens (me), refresh tokens (each spent once, replaced by the
    # answer's), emails with the bench password (login).
    access_tokens: list[str]
    refresh_tokens: deque[str]
    emails: list[str]
    # The refresh tokens of the sessions logins opened, oldest first (logout).
    logged_in: deque[str] = field(default_factory=deque)
    _idle: asyncio.Queue[Connection] = field(default_factory=asyncio.Queue)
    _requests: dict[str, Callable[[], bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        me = cycle(
            http_request("GET", "/users/me", self.port, {"Authorization": f"Bearer {token}"})
            for token in self.access_tokens
        )
        logins = cycle(
            http_request(
                "POST",
                "/auth/access-token",
                self.port,
                _FORM,
                urlencode(
                    {"grant_type": "password", "username": email, "password": PASSWORD}
                ).encode(),
            )
            for email in self.emails
        )
        self._requests = {"me": lambda: next(me), "login": lambda: next(logins)}

    def _refresh_request(self) -> bytes:
        # An empty queue (every chain in flight or broken) is answered 400.
        token = self.refresh_tokens.popleft() if self.refresh_tokens else "queue-ran-dry"
        body = json.dumps({"refresh_token": token}).encode()
        return http_request("POST", "/auth/refresh-token", self.port, _JSON, body)

    def _logout_request(self) -> bytes:
        # No session to end yet: an unknown token is answered 204 all the same.
        token = self.logged_in.popleft() if self.logged_in else "none-logged-in"
        body = json.dumps({"refresh_token": token}).encode()
        return http_request("POST", "/auth/logout", self.port, _JSON, body)

    def _request(self, kind: str) -> bytes:
        if kind == "refresh":
            return self._refresh_request()
        if kind == "logout":
            return self._logout_request()
        return self._requests[kind]()

    async def _open(self) -> Connection:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def _one(self, due: float, kind: str, record: Callable[[Sample], None]) -> None:
        request = self._request(kind)
        reader, writer = await self._idle.get()
        status = 0
        try:
            status, body = await exchange(reader, writer, request)
            if kind == "refresh" and status == 200:
                self.refresh_tokens.append(json.loads(body)["refresh_token"])
            elif kind == "login" and status == 200:
                self.logged_in.append(json.loads(body)["refresh_token"])
        except CONNECTION_FAILURES:
            writer.close()
            reader, writer = await self._open()
        finally:
            self._idle.put_nowait((reader, writer))
        record(Sample(due, kind, time.perf_counter() - due, status))

    async def run(self, duration_secs: float, record: Callable[[Sample], None]) -> None:
        """Send requests as they come due for `duration_secs`, then wait for the last answers.

        On new connections: the server closes those left idle a few seconds.
        """
        self.close()
        for _ in range(self.connections):
            self._idle.put_nowait(await self._open())
        kinds = cycle(interleaved(self.weights))
        # perf_counter, not the event loop's clock: uvloop's counts milliseconds.
        started = time.perf_counter()
        in_flight: set[asyncio.Task[None]] = set()
        sent = 0
        while (due := started + sent / self.rate_per_sec) < started + duration_secs:
            if (ahead := due - time.perf_counter()) > 0:
                await asyncio.sleep(ahead)
            task = asyncio.create_task(self._one(due, next(kinds), record))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            sent += 1
        if in_flight:
            await asyncio.wait(in_flight)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait()[1].close()
