"""One load to apply (what, where, how hard, how long) and what it measured."""

from dataclasses import dataclass
from typing import Literal

Kind = Literal["me", "refresh", "login", "register"]


@dataclass(frozen=True, slots=True)
class Load:
    kind: Kind
    port: int
    concurrency: int
    duration_secs: float
    # Access tokens (me), refresh tokens (refresh, one per connection and
    # spares), emails (login); a prefix unique to this load (register).
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
