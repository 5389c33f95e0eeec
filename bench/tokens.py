"""Scenario 9: tokens for other services.

On one server (HS256): GET /users/me and POST /auth/introspect of an access
token, interleaved `REPEATS` times; on a second server beside it, signing
with EdDSA: GET /users/me again, interleaved with the two. Targets: the
introspection keeps at least 0.9 of the /users/me req/s of the same sitting,
and /users/me with EdDSA at least 0.9 of its HS256 figure (medians).
"""

import base64
import json
import secrets

import httpx

from app.core.introspection_clients import secret_hash
from app.core.security.jwt import AccessTokens
from app.core.security.signing_keys import generate_private_key_pem, load_signing_key
from bench.context import Bench
from bench.server import Server, start_server, stop_server

ME_HS256 = "9a. GET /users/me, HS256"
INTROSPECT = "9b. POST /auth/introspect, access token (HS256)"
ME_EDDSA = "9c. GET /users/me, EdDSA"
CLIENT_ID = "bench-resource-server"


def _eddsa_signer(bench: Bench, pem: str) -> AccessTokens:
    hs256 = bench.signer
    return AccessTokens(
        secret=bench.secret,
        algorithm="EdDSA",
        issuer=hs256.issuer,
        audience=hs256.audience,
        lifetime_secs=3600,
        signing_keys=[load_signing_key(pem, "EdDSA", source="the bench's key")],
    )


async def _check_active(server: Server, authorization: str, token: str) -> None:
    """The load must measure live tokens, not the cheap refusal of dead ones."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        response = await client.post(
            "/auth/introspect", data={"token": token}, headers={"Authorization": authorization}
        )
    if not response.json().get("active"):
        raise RuntimeError(f"introspection of a bench token is not active: {response.text}")


def _section(bench: Bench, introspect_ratio: float, eddsa_ratio: float) -> str:
    report = bench.report
    return "\n".join(
        [
            f"Tokens for other services (medians of {bench.config.repeats} interleaved runs): "
            f"introspection of an access token {report.median_rps(INTROSPECT):,.0f} req/s, "
            f"{introspect_ratio:.2f} x GET /users/me ({report.median_rps(ME_HS256):,.0f}); "
            f"GET /users/me with EdDSA {report.median_rps(ME_EDDSA):,.0f} req/s, "
            f"{eddsa_ratio:.2f} x its HS256 figure.",
        ]
    )


async def tokens(bench: Bench) -> None:
    client_secret = secrets.token_urlsafe(32)
    authorization = "Basic " + base64.b64encode(f"{CLIENT_ID}:{client_secret}".encode()).decode()
    env = {
        **bench.server_env(bench.url),
        "INTROSPECTION__CLIENTS": json.dumps({CLIENT_ID: secret_hash(client_secret)}),
    }
    pem = generate_private_key_pem("EdDSA")
    eddsa_tokens = await bench.open_sessions(_eddsa_signer(bench, pem))
    eddsa_env = {
        **env,
        "SECURITY__JWT_ALGORITHM": "EdDSA",
        "SECURITY__JWT_SIGNING_KEYS": json.dumps([pem]),
    }
    config = bench.config
    hs256 = await start_server(
        target="app.main:app", port=config.port, workers=config.workers, env=env
    )
    try:
        # The ceiling's port: the ceiling does not run during this scenario.
        eddsa = await start_server(
            target="app.main:app", port=config.ceiling_port, workers=config.workers, env=eddsa_env
        )
        try:
            await _check_active(hs256, authorization, bench.access_tokens[0])
            me = bench.load("me", hs256, bench.access_tokens)
            introspect = bench.load("introspect", hs256, [authorization, *bench.access_tokens])
            me_eddsa = bench.load("me", eddsa, eddsa_tokens)
            for _ in range(config.repeats):
                await bench.measure(ME_HS256, hs256, me, me)
                await bench.measure(INTROSPECT, hs256, introspect, introspect)
                await bench.measure(ME_EDDSA, eddsa, me_eddsa, me_eddsa)
        finally:
            await stop_server(eddsa)
    finally:
        await stop_server(hs256)
    report = bench.report
    introspect_ratio = report.median_rps(INTROSPECT) / report.median_rps(ME_HS256)
    eddsa_ratio = report.median_rps(ME_EDDSA) / report.median_rps(ME_HS256)
    report.extra_figures["introspect_over_me_rps"] = introspect_ratio
    report.extra_figures["me_eddsa_over_hs256_rps"] = eddsa_ratio
    report.extra_targets += [
        ("introspection >= 0.9 x /users/me req/s", introspect_ratio >= 0.9),
        ("/users/me with EdDSA >= 0.9 x HS256 req/s", eddsa_ratio >= 0.9),
    ]
    report.sections.append(_section(bench, introspect_ratio, eddsa_ratio))
