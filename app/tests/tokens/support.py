"""Keys and settings for apps that sign with asymmetric keys, and an introspection client."""

import base64
import hashlib
from functools import cache
from typing import Any

import httpx

from app.core.security.signing_keys import generate_private_key_pem
from app.tests.api_client import Api

ALGORITHMS = ("EdDSA", "ES256", "RS256")
INTROSPECTION_CLIENT = "resource-server"
INTROSPECTION_SECRET = "s3cret-" + "k" * 40


@cache
def private_key(algorithm: str, name: str = "first") -> str:
    """A PEM private key for `algorithm`; the same `name` gives the same key in this run."""
    return generate_private_key_pem(algorithm)


def signing(algorithm: str, *pems: str) -> dict[str, Any]:
    """`security=` settings signing with `pems` (the first signs)."""
    return {"jwt_algorithm": algorithm, "jwt_signing_keys": list(pems)}


def introspection_clients(**secrets: str) -> dict[str, Any]:
    """`introspection=` settings for these clients (id=secret), stored as hashes."""
    hashed = {
        client: "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
        for client, secret in secrets.items()
    }
    return {"clients": hashed}


INTROSPECTION = introspection_clients(**{INTROSPECTION_CLIENT: INTROSPECTION_SECRET})


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


CLIENT_AUTH = basic(INTROSPECTION_CLIENT, INTROSPECTION_SECRET)


async def introspect(
    api: Api, token: str | None, *, auth: dict[str, str] | None = None, **form: str
) -> httpx.Response:
    """POST /auth/introspect as the configured client (or with `auth`)."""
    fields = form if token is None else {"token": token, **form}
    headers = CLIENT_AUTH if auth is None else auth
    return await api.request("POST", "introspect_token", data=fields, headers=headers)


async def revoke(api: Api, token: str | None, **form: str) -> httpx.Response:
    fields = form if token is None else {"token": token, **form}
    return await api.request("POST", "revoke_token", data=fields, headers={"Authorization": ""})
