"""Review item 18: production refuses Argon2id below OWASP's minimum, and SMTP in clear
text (`SMTP__SECURITY=none`) to any host but the loopback."""

from typing import Literal

import pytest
from pydantic import ValidationError

from app.core.config import Smtp
from app.tests.hardening.production_settings import production_settings, security

# OWASP Password Storage Cheat Sheet: Argon2id, one lane, and any of these
# (memory in KiB, passes), which it rates as equally strong.
OWASP_PAIRINGS = [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5)]


@pytest.mark.parametrize(("memory_kib", "passes"), OWASP_PAIRINGS)
def test_production_accepts_every_owasp_argon2id_pairing(memory_kib: int, passes: int) -> None:
    settings = production_settings(
        security=security(password_hash_memory_kib=memory_kib, password_hash_time_cost=passes)
    )
    assert settings.security.password_hash_memory_kib == memory_kib


@pytest.mark.parametrize(
    ("memory_kib", "passes"),
    [(19_455, 2), (19_456, 1), (47_103, 1), (9_216, 3), (7_167, 5), (64, 1), (4_096, 10)],
)
def test_production_refuses_argon2id_below_owasp_minimum(memory_kib: int, passes: int) -> None:
    with pytest.raises(ValidationError, match="SECURITY__PASSWORD_HASH_MEMORY_KIB"):
        production_settings(
            security=security(password_hash_memory_kib=memory_kib, password_hash_time_cost=passes)
        )


def test_outside_production_cheap_hashing_is_allowed() -> None:
    settings = production_settings(
        environment="test",
        security=security(password_hash_memory_kib=64, password_hash_time_cost=1),
    )
    assert settings.security.password_hash_memory_kib == 64


@pytest.mark.parametrize("host", ["mail.example.com", "10.0.0.25", "smtp-relay", "::2"])
def test_production_refuses_cleartext_smtp_to_another_host(host: str) -> None:
    with pytest.raises(ValidationError, match="SMTP__SECURITY=none"):
        production_settings(smtp=Smtp(host=host, security="none"))


@pytest.mark.parametrize(
    "host", ["localhost", "LocalHost", "mail.localhost", "127.0.0.53", "::1", "[::1]"]
)
def test_production_accepts_cleartext_smtp_to_the_loopback(host: str) -> None:
    assert production_settings(smtp=Smtp(host=host, security="none")).smtp.host == host


@pytest.mark.parametrize("tls", ["starttls", "tls"])
def test_production_accepts_encrypted_smtp_to_any_host(tls: Literal["starttls", "tls"]) -> None:
    smtp = Smtp(host="mail.example.com", security=tls)
    assert production_settings(smtp=smtp).smtp.security == tls
