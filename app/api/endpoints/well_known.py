"""Discovery for other services: the JWKS (RFC 7517) and the server metadata (RFC 8414)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.deps import ServicesDep
from app.schemas.responses import JwksResponse, ServerMetadataResponse

router = APIRouter(prefix="/.well-known", tags=["discovery"])

# Resource servers and proxies may keep these: a new key is published (second
# in the list) at least this long before it signs (see the README's rotation).
CACHE_CONTROL = {"Cache-Control": "public, max-age=300"}


@router.get("/jwks.json", response_model=JwksResponse)
async def read_jwks(services: ServicesDep) -> JSONResponse:
    """The public keys that verify access tokens (empty with an HS algorithm)."""
    return JSONResponse({"keys": services.access_tokens.jwks}, headers=CACHE_CONTROL)


@router.get("/oauth-authorization-server", response_model=ServerMetadataResponse)
async def read_server_metadata(request: Request, services: ServicesDep) -> JSONResponse:
    """RFC 8414 metadata: where to get, verify, introspect and revoke tokens."""
    base = services.settings.public_url.rstrip("/")

    def url(name: str) -> str:
        return base + str(request.app.url_path_for(name))

    metadata: dict[str, Any] = {
        "issuer": services.access_tokens.issuer,
        "token_endpoint": url("login_access_token"),
        "jwks_uri": url("read_jwks"),
        "introspection_endpoint": url("introspect_token"),
        "revocation_endpoint": url("revoke_token"),
        "grant_types_supported": ["password", "refresh_token", "mfa_otp", "passkey"],
        # There is no authorization endpoint (RFC 8414 section 2 still asks for the field).
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none"],
    }
    return JSONResponse(metadata, headers=CACHE_CONTROL)
