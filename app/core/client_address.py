"""The address a request came from, as far as it can be trusted.

A client can write anything into `X-Forwarded-For`, so the header is read
only when the socket's peer is one of the configured trusted proxies. Each
proxy appends the address it saw, so the header is read from the right,
skipping trusted hops: the first untrusted entry is the client. The entries
to the left of it were written by the client itself and are ignored.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import IPvAnyNetwork
from starlette.types import Scope

IPV6_PREFIX = 64
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Client:
    """Who sent a request, as far as it can be trusted."""

    address: str


def _is_trusted(address: str, trusted: Sequence[IPvAnyNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


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
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    entries = _forwarded_for(scope)
    for entry in reversed(entries):
        if not _is_trusted(entry, trusted):
            return entry
    # Every hop is a trusted proxy: the leftmost is as close to the client as we know.
    return entries[0] if entries else peer


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
