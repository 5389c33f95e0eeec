"""/.well-known/jwks.json and /.well-known/oauth-authorization-server (RFC 8414)."""

import jwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from app.tests.api_client import Api, ApiFactory
from app.tests.tokens.support import ALGORITHMS, private_key, signing

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
PUBLIC_URL = "https://auth.example.com"


# RFC 9864 prefers the fully specified "Ed25519"; API.md names "EdDSA", which
# every library still verifies.
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_resource_server_verifies_a_fresh_token_from_the_jwks(
    make_api: ApiFactory, algorithm: str
) -> None:
    pems = (private_key(algorithm), private_key(algorithm, "next"))
    async with make_api(security=signing(algorithm, *pems)) as api:
        user = await api.new_user()
        response = await api.request("GET", "read_jwks")
    token = user.tokens["access_token"]
    assert response.headers["cache-control"].startswith("public, max-age=")
    jwks = response.json()
    for key in jwks["keys"]:
        assert not PRIVATE_MEMBERS & set(key)
        assert (key["alg"], key["use"]) == (algorithm, "sig")
    # PyJWT, as PyJWKClient would use the fetched set.
    kid = jwt.get_unverified_header(token)["kid"]
    signing_key = jwt.PyJWKSet.from_dict(jwks)[kid]
    claims = jwt.decode(token, signing_key, algorithms=[algorithm], audience=user.claims["aud"])
    assert claims["sub"] == user.id
    # joserfc picks the key by kid itself.
    decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=[algorithm])
    assert decoded.claims["sid"] == user.claims["sid"]


async def test_the_metadata_names_every_endpoint_and_the_tokens_issuer(
    make_api: ApiFactory,
) -> None:
    async with make_api(public_url=PUBLIC_URL, security={"allowed_hosts": ["*"]}) as api:
        user = await api.new_user()
        response = await api.request("GET", "read_server_metadata")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.json() == {
        "issuer": PUBLIC_URL,
        "token_endpoint": f"{PUBLIC_URL}/auth/access-token",
        "jwks_uri": f"{PUBLIC_URL}/.well-known/jwks.json",
        "introspection_endpoint": f"{PUBLIC_URL}/auth/introspect",
        "revocation_endpoint": f"{PUBLIC_URL}/auth/revoke",
        "grant_types_supported": ["password", "refresh_token", "mfa_otp", "passkey"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none"],
    }
    assert user.claims["iss"] == PUBLIC_URL


async def test_the_metadata_issuer_follows_jwt_issuer(make_api: ApiFactory) -> None:
    async with make_api(security={"jwt_issuer": "https://issuer.example"}) as api:
        user = await api.new_user()
        metadata = (await api.request("GET", "read_server_metadata")).json()
    assert metadata["issuer"] == user.claims["iss"] == "https://issuer.example"


@pytest.mark.parametrize("route", ["read_jwks", "read_server_metadata"])
async def test_the_host_check_applies(api: Api, route: str) -> None:
    response = await api.request("GET", route, headers={"Host": "evil.example"})
    assert response.status_code == 400


@pytest.mark.parametrize("grant_type", ["password", "refresh_token"])
async def test_each_advertised_grant_is_accepted_by_the_token_endpoint(
    user: Api, grant_type: str
) -> None:
    metadata = (await user.request("GET", "read_server_metadata")).json()
    assert grant_type in metadata["grant_types_supported"]
    if grant_type == "password":
        response = await user.login()
    else:
        response = await user.refresh(grant=True)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("grant_type", "fields"),
    [("mfa_otp", {"mfa_token": "x" * 43, "otp": "123456"}), ("passkey", {"credential": "{}"})],
)
async def test_the_advertised_second_factor_grants_are_known_to_the_token_endpoint(
    user: Api, grant_type: str, fields: dict[str, str]
) -> None:
    metadata = (await user.request("GET", "read_server_metadata")).json()
    assert grant_type in metadata["grant_types_supported"]
    response = await user.request(
        "POST", "login_access_token", data={"grant_type": grant_type, **fields}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
