"""The ceiling: the least code that does the work of `GET /users/me`, as a raw ASGI app.

Verify the JWT with PyJWT, one SELECT by primary key on an asyncpg pool, a
JSON response; no framework, no middleware. Served exactly like the service
(`uvicorn --factory bench.ceiling:create_app`, same flags, same settings),
its requests/s is the most this machine could give the endpoint, and the
report measures the service against it.
"""

import json
import uuid

import asyncpg
import jwt
from sqlalchemy import make_url
from starlette.types import Receive, Scope, Send

from app.core.config import Settings, get_settings
from app.core.database import asyncpg_dsn
from app.core.security.jwt import REQUIRED_CLAIMS

_SELECT_USER = """
SELECT user_id, email, is_active, is_superuser, created_at FROM users WHERE user_id = $1
"""
_JSON_HEADERS = [(b"content-type", b"application/json")]


class CeilingApp:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        secret = settings.security.jwt_secret_key
        if secret is None or settings.database.url is None:
            raise ValueError("the ceiling needs SECURITY__JWT_SECRET_KEY and DATABASE__URL")
        self._secret = secret.get_secret_value()
        self._pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        status, body = await self._current_user(scope)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _current_user(self, scope: Scope) -> tuple[int, bytes]:
        token = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                token = value.removeprefix(b"Bearer ")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._settings.security.jwt_algorithm],
                issuer=self._settings.security.jwt_issuer,
                options={"require": list(REQUIRED_CLAIMS)},
            )
            user_id = uuid.UUID(claims["sub"])
        except (jwt.PyJWTError, ValueError):
            return 401, b'{"detail":"Could not validate credentials"}'
        assert self._pool is not None  # noqa: S101 - set by the lifespan before any request
        row = await self._pool.fetchrow(_SELECT_USER, user_id)
        if row is None:
            return 401, b'{"detail":"Could not validate credentials"}'
        user = {
            "user_id": str(row["user_id"]),
            "email": row["email"],
            "is_active": row["is_active"],
            "is_superuser": row["is_superuser"],
            "created_at": row["created_at"].isoformat(),
        }
        return 200, json.dumps(user).encode()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = self._settings.database.url
                assert url is not None  # noqa: S101 - checked in __init__
                self._pool = await asyncpg.create_pool(
                    asyncpg_dsn(make_url(url.get_secret_value())),
                    min_size=0,
                    max_size=self._settings.database.pool_size,
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> CeilingApp:
    """The factory uvicorn calls (`--factory`), so that nothing runs at import."""
    return CeilingApp(get_settings())
