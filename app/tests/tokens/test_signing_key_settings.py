"""Where signing keys come from: the environment, files, or generated locally (0600);
production requires them; a key that cannot sign stops the start without showing it."""

import stat
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.core.security.signing_keys import InvalidSigningKeyError
from app.tests.api_client import ApiFactory, AppFactory
from app.tests.hardening.production_settings import production_settings, security
from app.tests.tokens.support import ALGORITHMS, private_key, signing


def generated_key_pair(algorithm: str) -> tuple[str, str]:
    """What `app keys generate` prints: (private PEM, public PEM)."""
    result = CliRunner().invoke(cli, ["keys", "generate", "--algorithm", algorithm])
    assert result.exit_code == 0, result.output
    end = "-----END PRIVATE KEY-----\n"
    private, public = result.output.split(end)
    return private + end, public


async def kid_of(make_api: ApiFactory, settings: Settings) -> str:
    async with make_api(settings) as api:
        user = await api.new_user()
        assert (await user.me()).status_code == 200
        kid: str = jwt.get_unverified_header(user.tokens["access_token"])["kid"]
        return kid


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_local_key_is_generated_once_private_and_kept(
    make_api: ApiFactory, make_settings: Callable[..., Settings], tmp_path: Path, algorithm: str
) -> None:
    settings = make_settings(security={"jwt_algorithm": algorithm}, data_dir=tmp_path / "data")
    first = await kid_of(make_api, settings)
    again = await kid_of(make_api, settings)
    assert first == again
    [key_file] = (tmp_path / "data" / "secrets").glob("jwt_signing_key_*.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700


async def test_keys_from_files_sign_in_their_order(
    make_api: ApiFactory, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    paths = []
    for name in ("new", "old"):
        path = tmp_path / f"{name}.pem"
        path.write_text(private_key("ES256", name))
        paths.append(path)
    from_files = make_settings(security={"jwt_algorithm": "ES256", "jwt_signing_key_files": paths})
    from_env = make_settings(
        security=signing("ES256", private_key("ES256", "new"), private_key("ES256", "old"))
    )
    assert await kid_of(make_api, from_files) == await kid_of(make_api, from_env)


def test_keys_and_key_files_together_are_refused(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="not both"):
        make_settings(
            security={
                **signing("EdDSA", private_key("EdDSA")),
                "jwt_signing_key_files": [tmp_path / "key.pem"],
            }
        )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_production_requires_signing_keys(algorithm: str) -> None:
    with pytest.raises(ValidationError, match="SECURITY__JWT_SIGNING_KEYS"):
        production_settings(security=security(jwt_algorithm=algorithm))
    production_settings(security=security(**signing(algorithm, private_key(algorithm))))


def weak_rsa_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


@pytest.mark.parametrize(
    ("algorithm", "pem"),
    [
        ("EdDSA", private_key("ES256")),
        ("ES256", private_key("RS256")),
        ("RS256", private_key("EdDSA")),
        ("RS256", "weak"),
        ("EdDSA", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"),
        ("EdDSA", "public"),
    ],
)
async def test_a_key_that_cannot_sign_stops_the_start_without_showing_it(
    make_app: AppFactory, algorithm: str, pem: str
) -> None:
    if pem == "weak":
        pem = weak_rsa_key()
    elif pem == "public":
        pem = generated_key_pair("EdDSA")[1]
    good = private_key(algorithm)
    with pytest.raises(InvalidSigningKeyError, match=r"SECURITY__JWT_SIGNING_KEYS\[1\]") as error:
        async with make_app(security=signing(algorithm, good, pem)):
            pass
    assert pem.strip().splitlines()[1] not in str(error.value)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_keys_generate_prints_a_key_pair_that_signs(
    make_api: ApiFactory, algorithm: str
) -> None:
    private, public = generated_key_pair(algorithm)
    assert "BEGIN PUBLIC KEY" in public
    async with make_api(security=signing(algorithm, private)) as api:
        user = await api.new_user()
        token = user.tokens["access_token"]
    # The printed public key verifies what the private key signed.
    claims = jwt.decode(token, public, algorithms=[algorithm], options={"verify_aud": False})
    assert claims["sub"] == user.id


def test_keys_generate_refuses_an_unknown_algorithm() -> None:
    result = CliRunner().invoke(cli, ["keys", "generate", "--algorithm", "HS256"])
    assert result.exit_code == 1
    assert "--algorithm must be one of EdDSA, ES256, RS256" in result.output
