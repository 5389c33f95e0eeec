"""A resource server: a second FastAPI service that accepts the auth service's access tokens.

`GET /notes` verifies the token itself, from the JWKS (no call to the auth
service but an occasional key fetch): fast, and right until the token's
`exp`, up to 15 minutes after a logout. `GET /payments` asks the auth service
(introspection), so a logout or a revoked session is refused at once.

Run: AUTH_URL=http://127.0.0.1:8000 INTROSPECTION_CLIENT_ID=... INTROSPECTION_CLIENT_SECRET=...
uvicorn --factory examples.resource_server.app:app_from_environment --port 8001
"""

import os
import time
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ALGORITHMS = ["EdDSA", "ES256", "RS256"]
# An unknown kid refetches the keys (a rotation), at most this often: a flood
# of tokens with made-up kids must not become a flood of fetches.
MIN_REFETCH_SECS = 10.0
BearerToken = Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer())]


class AuthService:
    """What a resource server needs of the auth service, found from its RFC 8414 metadata."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        min_refetch_secs: float = MIN_REFETCH_SECS,
    ) -> None:
        self.http, self.client = http, (client_id, client_secret)
        self.min_refetch_secs = min_refetch_secs
        self.metadata: dict[str, Any] = {}
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at = float("-inf")

    async def _discover(self) -> dict[str, Any]:
        if not self.metadata:
            response = await self.http.get("/.well-known/oauth-authorization-server")
            self.metadata = response.raise_for_status().json()
        return self.metadata

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The key of `kid`, from the cached JWKS, refetched once for a kid not seen yet."""
        if kid not in self.keys and time.monotonic() - self.fetched_at >= self.min_refetch_secs:
            response = await self.http.get((await self._discover())["jwks_uri"])
            jwks = jwt.PyJWKSet.from_dict(response.raise_for_status().json())
            self.keys = {key.key_id: key for key in jwks.keys if key.key_id}
            self.fetched_at = time.monotonic()
        return self.keys.get(kid)

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token signed by the auth service for it; 401 otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = await self.key(kid) if isinstance(kid, str) else None
            if key is None:
                raise jwt.InvalidTokenError("unknown kid")
            metadata = await self._discover()
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=ALGORITHMS, issuer=metadata["issuer"],
                audience=metadata["issuer"], options={"require": ["exp", "sub", "sid"]},
            )  # fmt: skip
        except jwt.InvalidTokenError as error:
            raise HTTPException(401, "Invalid token") from error
        return claims

    async def introspect(self, token: str) -> dict[str, Any]:
        """The auth service's answer (RFC 7662); 401 unless the token is active now."""
        endpoint = (await self._discover())["introspection_endpoint"]
        response = await self.http.post(endpoint, data={"token": token}, auth=self.client)
        answer: dict[str, Any] = response.raise_for_status().json()
        if not answer["active"] or answer["token_type"] != "access_token":
            raise HTTPException(401, "Inactive token")
        return answer


def create_app(auth: AuthService) -> FastAPI:
    app = FastAPI(title="Resource server example")

    async def verified(credentials: BearerToken) -> dict[str, Any]:
        return await auth.verify(credentials.credentials)

    async def introspected(credentials: BearerToken) -> dict[str, Any]:
        return await auth.introspect(credentials.credentials)

    @app.get("/notes")
    async def notes(claims: Annotated[dict[str, Any], Depends(verified)]) -> dict[str, str]:
        return {"owner": claims["sub"]}

    @app.get("/payments")
    async def payments(answer: Annotated[dict[str, Any], Depends(introspected)]) -> dict[str, str]:
        return {"owner": answer["sub"], "email": answer["email"]}

    return app


def app_from_environment() -> FastAPI:
    http = httpx.AsyncClient(base_url=os.environ.get("AUTH_URL", "http://127.0.0.1:8000"))
    return create_app(
        AuthService(
            http,
            client_id=os.environ["INTROSPECTION_CLIENT_ID"],
            client_secret=os.environ["INTROSPECTION_CLIENT_SECRET"],
        )
    )
