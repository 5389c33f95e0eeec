"""The asyncio client's requests per scenario: the Python twins of bench/lua/*.lua."""

import json
from collections import deque
from typing import Protocol
from urllib.parse import urlencode

from bench.config import PASSWORD
from bench.load import Load


class RequestSource(Protocol):
    def next_request(self) -> bytes: ...

    def on_response(self, status: int, body: bytes) -> None: ...


def http_request(
    method: str, path: str, port: int, headers: dict[str, str], body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Cycle:
    """Prepared requests, sent in turn (me, login)."""

    def __init__(self, requests: list[bytes]) -> None:
        self._requests = requests
        self._index = 0

    def next_request(self) -> bytes:
        self._index = (self._index + 1) % len(self._requests)
        return self._requests[self._index]

    def on_response(self, status: int, body: bytes) -> None:
        pass


class RefreshChain:
    """Each response's new refresh token is queued and spent once by a later request."""

    def __init__(self, port: int, tokens: tuple[str, ...]) -> None:
        self._port = port
        self._queue = deque(tokens)

    def next_request(self) -> bytes:
        token = self._queue.popleft() if self._queue else "queue-ran-dry"
        body = json.dumps({"refresh_token": token}).encode()
        headers = {"Content-Type": "application/json"}
        return http_request("POST", "/auth/refresh-token", self._port, headers, body)

    def on_response(self, status: int, body: bytes) -> None:
        if status == 200:
            self._queue.append(json.loads(body)["refresh_token"])


class NewEmails:
    """A registration with a new email each time."""

    def __init__(self, port: int, prefix: str) -> None:
        self._port = port
        self._prefix = prefix
        self._count = 0

    def next_request(self) -> bytes:
        self._count += 1
        email = f"{self._prefix}-{self._count}@example.com"
        body = json.dumps({"email": email, "password": PASSWORD}).encode()
        headers = {"Content-Type": "application/json"}
        return http_request("POST", "/auth/register", self._port, headers, body)

    def on_response(self, status: int, body: bytes) -> None:
        pass


def request_source(load: Load) -> RequestSource:
    if load.kind == "me":
        return Cycle(
            [
                http_request("GET", "/users/me", load.port, {"Authorization": f"Bearer {token}"})
                for token in load.items
            ]
        )
    if load.kind == "login":
        form = "application/x-www-form-urlencoded"
        return Cycle(
            [
                http_request(
                    "POST",
                    "/auth/access-token",
                    load.port,
                    {"Content-Type": form},
                    urlencode(
                        {"grant_type": "password", "username": email, "password": PASSWORD}
                    ).encode(),
                )
                for email in load.items
            ]
        )
    if load.kind == "refresh":
        return RefreshChain(load.port, load.items)
    if load.kind == "introspect":
        authorization, *tokens = load.items
        headers = {
            "Authorization": authorization,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return Cycle(
            [
                http_request("POST", "/auth/introspect", load.port, headers, f"token={t}".encode())
                for t in tokens
            ]
        )
    return NewEmails(load.port, load.items[0])
