"""The busiest routes are matched first: each route passed costs every request."""

from collections.abc import Iterable, Iterator
from typing import Any

from app.api.api_router import api_router

# GET /users/me, the token endpoint (logins), refresh, and introspection.
HOT_PATHS = ("/users/me", "/auth/access-token", "/auth/refresh-token", "/auth/introspect")
# Routes a request for a hot path may pass before its own.
MOST_ROUTES_BEFORE = 10


def _paths(routes: Iterable[Any]) -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _paths(included.routes)
        else:
            yield route.path


def test_the_hot_paths_come_before_the_rest() -> None:
    paths = list(_paths(api_router.routes))
    assert len(paths) > 3 * MOST_ROUTES_BEFORE, len(paths)
    for path in HOT_PATHS:
        assert paths.index(path) < MOST_ROUTES_BEFORE, (path, paths.index(path))


def test_users_me_is_matched_before_a_user_id() -> None:
    paths = list(_paths(api_router.routes))
    assert paths.index("/users/me") < paths.index("/users/{user_id}")
