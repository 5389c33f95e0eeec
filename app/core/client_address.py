"""The address a request came from, as far as it can be trusted.

`SECURITY__TRUSTED_PROXIES` alone decides whom to believe: the server never
rewrites the socket's peer from forwarded headers (uvicorn's proxy headers
are off in every shipped way to run), so the peer here is the TCP peer.
A client can write anything into `X-Forwarded-For`, so the header is read
only when the peer is a trusted proxy. Each proxy appends the address it
saw, so the header is read from the right, skipping trusted hops: the first
untrusted entry is the client, and the entries to its left, written by the
client itself, are ignored. An entry that is not an IP address is no client
address: the peer is used instead, so that no made-up string ever becomes a
throttle key.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import IPvAnyNetwork
from starlette.types import Scope

IPV6_PREFIX = 64
UNKNOWN = "unknown"
# Sessions and security events keep at most this much of a User-Agent header.
MAX_USER_AGENT_LENGTH = 256

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Client:
    """Who sent a request, as far as it can be trusted: what throttles, sessions
    and security events record of it."""

    address: str
    # The User-Agent header, cut to MAX_USER_AGENT_LENGTH; None without one.
    user_agent: str | None = None

    @property
    def ip_address(self) -> str | None:
        """The address as sessions and events store it: None when unknown."""
        return None if self.address == UNKNOWN else self.address


def user_agent_of(scope: Scope) -> str | None:
    """The request's User-Agent, cut to what sessions and events keep; None when
    absent or empty."""
    for name, value in scope["headers"]:
        if name == b"user-agent":
            agent: str = value.decode("latin-1")
            return agent[:MAX_USER_AGENT_LENGTH] or None
    return None


def _parse(entry: str) -> IPAddress | None:
    """An address as proxies write it: bare, `[IPv6]`, or with a `:port` (`1.2.3.4:5678`)."""
    host = entry
    if entry.startswith("["):
        host, bracket, port = entry[1:].partition("]")
        if not bracket or (port and not (port[:1] == ":" and port[1:].isdigit())):
            return None
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if not port.isdigit():
            return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_trusted(address: IPAddress | None, trusted: Sequence[IPvAnyNetwork]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _forwarded_for(scope: Scope) -> list[str]:
    entries: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            entries.extend(entry.strip() for entry in value.decode("latin-1").split(","))
    return entries


def client_address(scope: Scope, trusted: Sequence[IPvAnyNetwork]) -> str:
    """The client's address: the socket's peer, or what trusted proxies report."""
    client = scope.get("client")
    peer = client[0] if client else UNKNOWN
    if not trusted or not _is_trusted(_parse(peer), trusted):
        return peer
    hops = [_parse(entry) for entry in _forwarded_for(scope)]
    for hop in reversed(hops):
        if hop is None:
            # A trusted proxy passed on something that is no address.
            return peer
        if not _is_trusted(hop, trusted):
            return str(hop)
    # Every hop is a trusted proxy: the leftmost is as close to the client as we know.
    return str(hops[0]) if hops else peer


def throttle_bucket(address: str) -> str:
    """One bucket per IPv4 address and per IPv6 /64, which one subscriber usually holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)
