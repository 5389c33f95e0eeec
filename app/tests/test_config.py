"""Settings: production refuses unsafe values; a local JWT secret is generated once."""

import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Database, Metrics, Security, Settings, Smtp, get_settings
from app.core.security.jwt import InvalidAccessTokenError, create_access_tokens

DATABASE_URL = "postgresql+asyncpg://app:secret@db:5432/app"
STRONG_SECRET = "s" * 32


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "database": Database(url=DATABASE_URL),
        "security": Security(jwt_secret_key=STRONG_SECRET, data_encryption_key=STRONG_SECRET),
        "smtp": Smtp(host="smtp.example.com"),
        "metrics": Metrics(bearer_token=STRONG_SECRET),
        **overrides,
    }
    return Settings(_env_file=None, **values)


def test_production_accepts_a_strong_secret_and_a_database_url() -> None:
    settings = production()
    assert settings.security.jwt_secret_key is not None


@pytest.mark.parametrize(
    "security", [Security(), Security(jwt_secret_key="s" * 31)], ids=["missing", "31 bytes"]
)
def test_production_refuses_a_missing_or_short_secret(security: Security) -> None:
    with pytest.raises(ValidationError, match="SECURITY__JWT_SECRET_KEY"):
        production(security=security)


def test_production_secret_length_counts_bytes() -> None:
    # 16 characters of 2 bytes each: 32 bytes, enough.
    production(security=Security(jwt_secret_key="é" * 16, data_encryption_key=STRONG_SECRET))


def test_production_refuses_a_missing_database_url() -> None:
    with pytest.raises(ValidationError, match="DATABASE__URL"):
        production(database=Database())


def test_production_reads_its_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE__URL", DATABASE_URL)
    monkeypatch.setenv("SECURITY__JWT_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("SECURITY__DATA_ENCRYPTION_KEY", STRONG_SECRET)
    monkeypatch.setenv("METRICS__BEARER_TOKEN", STRONG_SECRET)
    monkeypatch.setenv("SECURITY__ACCESS_TOKEN_EXPIRE_SECS", "60")
    monkeypatch.setenv("SMTP__HOST", "smtp.example.com")
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert settings.security.access_token_expire_secs == 60
    monkeypatch.delenv("SECURITY__JWT_SECRET_KEY")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_get_settings_is_built_once() -> None:
    assert get_settings() is get_settings()


def local(data_dir: Path) -> Settings:
    return Settings(_env_file=None, environment="local", data_dir=data_dir, security=Security())


def test_local_secret_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = create_access_tokens(local(tmp_path))
    second = create_access_tokens(local(tmp_path))
    token, _ = first.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), amr=["pwd"])
    second.verify(token)
    secret_file = tmp_path / "secrets" / "jwt_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text().strip()) >= 64
    assert [path.name for path in secret_file.parent.iterdir()] == ["jwt_secret"]


def test_local_secret_differs_between_data_dirs(tmp_path: Path) -> None:
    first = create_access_tokens(local(tmp_path / "one"))
    other = create_access_tokens(local(tmp_path / "two"))
    token, _ = first.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), amr=["pwd"])
    with pytest.raises(InvalidAccessTokenError):
        other.verify(token)
