"""One load to apply (what, where, how hard, how long) and what it measured."""

from dataclasses import dataclass
from typing import Literal

Kind = Literal["me", "refresh", "login", "register", "introspect"]


@dataclass(frozen=True, slots=True)
class Load:
    kind: Kind
    port: int
    concurrency: int
    duration_secs: float
    # Access tokens (me), refresh tokens (refresh, one per connection and
    # spares), emails (login); a prefix unique to this load (register); the
    # client's Authorization header, then access tokens (introspect).
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    duration_secs: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int

    @property
    def requests_per_sec(self) -> float:
        return self.requests / self.duration_secs


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load_result(latencies_secs: list[float], duration_secs: float, errors: int) -> LoadResult:
    """The figures of a load from the latency of each request it made."""
    ordered = sorted(latencies_secs)
    return LoadResult(
        requests=len(ordered),
        duration_secs=duration_secs,
        p50_ms=_percentile(ordered, 0.50) * 1e3,
        p90_ms=_percentile(ordered, 0.90) * 1e3,
        p99_ms=_percentile(ordered, 0.99) * 1e3,
        max_ms=(ordered[-1] if ordered else 0.0) * 1e3,
        errors=errors,
    )
