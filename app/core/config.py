"""Settings: one class tree, read from the environment and `.env`, nested with `__`.

`DATABASE__URL=...`, `SECURITY__JWT_SECRET_KEY=...` and so on; `.env.example`
lists every setting with its default.
"""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parents[2]
# An HMAC key at least as long as the hash's output (RFC 7518 section 3.2).
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
# With these the secret only keys refresh tokens and cursors (HMAC-SHA256).
ASYMMETRIC_ALGORITHMS = ("EdDSA", "ES256", "RS256")
MIN_REFRESH_SECRET_BYTES = 32
# An introspection client's secret, stored as its SHA-256 (see `Introspection`).
SECRET_HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"
MIN_METRICS_TOKEN_BYTES = 32
MIN_DATA_KEY_BYTES = 32
# Where `make run` serves: always a passkey origin unless WEBAUTHN__ORIGINS says otherwise.
LOCAL_ORIGIN = "http://localhost:8000"
# What the documented example values carry (deploy/kubernetes/base/secret.example.yaml),
# and the usual placeholders: a deployment that copied one refuses to start.
EXAMPLE_VALUE_MARKS = ("example-only", "change-me", "changeme", "changethis")
# OWASP's Argon2id minimums with one lane: (memory KiB, passes), equally strong.
OWASP_ARGON2ID_MINIMUMS = ((47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5))


class Database(BaseModel):
    # An asyncpg URL (`postgresql+asyncpg://user:password@host:5432/name`).
    # Unset: an embedded PostgreSQL is started with its data under `data_dir`.
    url: SecretStr | None = None
    pool_size: int = Field(default=10, ge=1)
    # Seconds to wait for a connection before answering 503.
    connect_timeout_secs: float = Field(default=5.0, gt=0)
    # PostgreSQL cancels any statement running longer than this (then 503),
    # so a query stuck behind a lock cannot hold a request and a connection
    # for ever. 0 disables the limit.
    statement_timeout_ms: int = Field(default=5000, ge=0)
    # Prepared statements cached per connection (asyncpg's default, 100).
    # 0 behind PgBouncer in transaction mode, where a connection's prepared
    # statements do not follow the client from one transaction to the next.
    statement_cache_size: int = Field(default=100, ge=0)


class Security(BaseModel):
    # Unset outside production: a random secret is generated once and kept in
    # `data_dir`, so that tokens survive restarts of a local server.
    jwt_secret_key: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512", "EdDSA", "ES256", "RS256"] = "HS256"
    # EdDSA, ES256, RS256: PEM private keys, the first signs, all verify (rotation,
    # see the README); in the environment, or in files (mounted secrets), not both.
    # Unset outside production: one is generated under `data_dir`.
    jwt_signing_keys: list[SecretStr] = []
    jwt_signing_key_files: list[Path] = []
    # `iss` of the access tokens; unset: PUBLIC_URL.
    jwt_issuer: str | None = None
    # The `aud` that tokens must name to be accepted; unset: the issuer.
    jwt_audience: str | None = None
    access_token_expire_secs: int = Field(default=15 * 60, ge=1)
    refresh_token_expire_secs: int = Field(default=28 * 24 * 3600, ge=1)
    # A session ends this long after its login, however often it is refreshed.
    session_max_lifetime_secs: int = Field(default=90 * 24 * 3600, ge=1)
    # A spent refresh token replayed later than this is treated as stolen and
    # revokes its session; within it, the replay only fails (two browser tabs).
    refresh_reuse_grace_secs: int = Field(default=10, ge=0)
    allowed_hosts: list[str] = ["localhost", "127.0.0.1"]
    backend_cors_origins: list[str] = []
    max_request_body_bytes: int = Field(default=1_048_576, ge=1)
    # Argon2id cost, OWASP's minimum by default (19 MiB, 2 passes, 1 lane).
    password_hash_memory_kib: int = Field(default=19_456, ge=8)
    password_hash_time_cost: int = Field(default=2, ge=1)
    password_hash_parallelism: int = Field(default=1, ge=1)
    # Threads that hash at once; each holds `password_hash_memory_kib` while
    # it runs, so this bounds the memory a flood of logins can take.
    password_hash_threads: int = Field(default=2, ge=1)
    # Hashes waiting or running per process; past it a request gets 503 with
    # Retry-After at once, instead of waiting without limit.
    password_hash_queue_size: int = Field(default=64, ge=1)
    # How long a password recovery link stays usable.
    password_reset_token_expire_secs: int = Field(default=3600, ge=1)
    # How long an email verification link, and an email change link, stay usable.
    email_verification_token_expire_secs: int = Field(default=24 * 3600, ge=1)
    email_change_token_expire_secs: int = Field(default=3600, ge=1)
    # On: a correct password for an unverified address gets 400 "Email not
    # verified" and opens no session (sessions already open keep refreshing).
    require_verified_email: bool = False
    # Security events older than this are deleted by housekeeping.
    event_retention_days: int = Field(default=365, ge=1)
    # Reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed; the
    # client address of a request from anywhere else is its socket's peer.
    trusted_proxies: list[IPvAnyNetwork] = []
    # Encrypts data kept at rest (TOTP secrets): any string of at least 32
    # bytes (openssl rand -hex 32). Unset outside production: derived from
    # the JWT secret. Old keys only decrypt, so that a new key can come in.
    data_encryption_key: SecretStr | None = None
    data_encryption_old_keys: list[SecretStr] = []
    # The administration calls need a session signed in with a second
    # factor (amr with "otp" or "hwk").
    require_mfa_for_superusers: bool = False


class Introspection(BaseModel):
    """The clients (other services) that may call POST /auth/introspect (RFC 7662)."""

    # {"<client id>": "sha256:<hex SHA-256 of the secret>"}: secrets are long
    # random strings, so a plain hash keeps them safe; never the secret itself.
    clients: dict[str, Annotated[str, Field(pattern=SECRET_HASH_PATTERN)]] = {}


class Smtp(BaseModel):
    # Unset: no email is sent, the message (with its link) is written to the
    # log instead, so that a developer can follow it locally.
    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    # "starttls" upgrades a plain connection (port 587), "tls" speaks TLS
    # from the start (port 465), "none" sends in clear (a local catcher).
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: SecretStr | None = None
    password: SecretStr | None = None
    sender: str = "noreply@localhost"
    # Connect and per-command timeout; a send never delays a response.
    timeout_secs: float = Field(default=10.0, gt=0)


class Recovery(BaseModel):
    # Off: /auth/password-recovery and /auth/password-reset answer 404 and no
    # recovery email is sent. Production without SMTP__HOST must say so.
    enabled: bool = True


class Notify(BaseModel):
    """Notices to an account's address, beside those always sent (API.md v2)."""

    # A login from a user agent and address pair the account has not logged
    # in from before (never for its first login).
    new_device_sign_in: bool = False


class Pages(BaseModel):
    # Off: /reset-password, /verify-email, /confirm-email (and the other
    # pages) answer 404; the links in emails then need a front end of yours.
    enabled: bool = True


class Throttle(BaseModel):
    """Limits on credential guessing, counted in PostgreSQL so every replica shares them."""

    enabled: bool = True
    # Password checks of one account from one client address (logins, and a
    # wrong current password), counted before the check: others cannot lock
    # the owner out, who logs in from another address.
    login_failures_per_account_and_address: int = Field(default=5, ge=1)
    # Failed password checks of one account from all addresses (NIST SP
    # 800-63B allows at most 100).
    login_failures_per_account: int = Field(default=100, ge=1)
    # Registration and recovery requests for one email.
    requests_per_account: int = Field(default=5, ge=1)
    account_window_secs: int = Field(default=15 * 60, ge=1)
    # Attempts from one client address (an IPv6 /64 counts as one address).
    requests_per_address: int = Field(default=30, ge=1)
    address_window_secs: int = Field(default=60, ge=1)
    # Second-factor codes (TOTP or recovery) checked for one account, per
    # `account_window_secs`, over all its login attempts and calls.
    mfa_failures_per_account: int = Field(default=20, ge=1)


class Webauthn(BaseModel):
    """Passkeys: the relying party the browser binds each credential to."""

    # The registrable domain the passkeys belong to (the site's host name, or
    # a parent of it); a credential made for one RP ID never works for another.
    rp_id: str = "localhost"
    rp_name: str = "FastAPI auth backend"
    # Origins (scheme://host[:port]) whose pages may use the passkeys. Unset:
    # the origin of PUBLIC_URL and http://localhost:8000 (`make run`).
    origins: list[str] | None = None


class Housekeeping(BaseModel):
    """`app purge`, which the service also runs by itself every `interval_secs`."""

    # Off: the service never purges by itself (a CronJob runs `app purge`).
    enabled: bool = True
    # Seconds between two runs of a process; its first run comes after a
    # random fraction of this, so that replicas started together spread out.
    interval_secs: float = Field(default=3600, gt=0)
    # Rows one statement examines (and so at most deletes and locks).
    batch_size: int = Field(default=1000, ge=1)


class Metrics(BaseModel):
    # Unset: GET /metrics is open (local use). Set: it needs the header
    # `Authorization: Bearer <token>`; production refuses to start without it.
    bearer_token: SecretStr | None = None


class Server(BaseModel):
    # On SIGTERM, requests in flight get this long to finish before the
    # worker closes their connections (Kubernetes waits 30 s by default).
    graceful_shutdown_secs: int = Field(default=25, ge=0)


class Settings(BaseSettings):
    environment: Literal["local", "test", "production"] = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Unset: JSON lines in production, readable lines elsewhere.
    log_format: Literal["json", "text"] | None = None
    data_dir: Path = PROJECT_DIR / ".data"
    database: Database = Field(default_factory=Database)
    security: Security = Field(default_factory=Security)
    smtp: Smtp = Field(default_factory=Smtp)
    recovery: Recovery = Field(default_factory=Recovery)
    # Where users reach the service (or its front end): the base of the links
    # in emails, `{public_url}/reset-password?token=...`.
    public_url: str = "http://127.0.0.1:8000"
    # The name emails and pages sign with.
    product_name: str = "Accounts"
    notify: Notify = Field(default_factory=Notify)
    pages: Pages = Field(default_factory=Pages)
    throttle: Throttle = Field(default_factory=Throttle)
    server: Server = Field(default_factory=Server)
    housekeeping: Housekeeping = Field(default_factory=Housekeeping)
    metrics: Metrics = Field(default_factory=Metrics)
    webauthn: Webauthn = Field(default_factory=Webauthn)
    introspection: Introspection = Field(default_factory=Introspection)

    model_config = SettingsConfigDict(
        env_file=PROJECT_DIR / ".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment != "production":
            return self
        secret = self.security.jwt_secret_key
        algorithm = self.security.jwt_algorithm
        min_bytes = MIN_SECRET_BYTES.get(algorithm, MIN_REFRESH_SECRET_BYTES)
        if secret is None or len(secret.get_secret_value().encode()) < min_bytes:
            raise ValueError(
                f"SECURITY__JWT_SECRET_KEY must be set to at least {min_bytes} bytes for "
                f"{algorithm} when ENVIRONMENT=production (openssl rand -hex 32 gives 64)"
            )
        if self.database.url is None:
            raise ValueError("DATABASE__URL must be set when ENVIRONMENT=production")
        return self

    @model_validator(mode="after")
    def _refuse_ambiguous_signing_keys(self) -> Self:
        security = self.security
        keys, files = security.jwt_signing_keys, security.jwt_signing_key_files
        if keys and files:
            raise ValueError(
                "Set SECURITY__JWT_SIGNING_KEYS or SECURITY__JWT_SIGNING_KEY_FILES, not both: "
                "the first key signs, and two lists leave it unclear which is first"
            )
        if (
            self.environment == "production"
            and security.jwt_algorithm in ASYMMETRIC_ALGORITHMS
            and not (keys or files)
        ):
            raise ValueError(
                f"SECURITY__JWT_SIGNING_KEYS or SECURITY__JWT_SIGNING_KEY_FILES must be set for "
                f"{security.jwt_algorithm} when ENVIRONMENT=production (app keys generate)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_example_secrets_in_production(self) -> Self:
        if self.environment != "production":
            return self
        secrets = {
            "SECURITY__JWT_SECRET_KEY": self.security.jwt_secret_key,
            "DATABASE__URL": self.database.url,
            "SMTP__PASSWORD": self.smtp.password,
            "SECURITY__DATA_ENCRYPTION_KEY": self.security.data_encryption_key,
        }
        for name, value in secrets.items():
            if value is not None and is_example_value(value.get_secret_value()):
                raise ValueError(
                    f"{name} holds a documented example value; "
                    "set a real secret when ENVIRONMENT=production"
                )
        return self

    @model_validator(mode="after")
    def _refuse_missing_data_key_in_production(self) -> Self:
        if self.environment != "production":
            return self
        key = self.security.data_encryption_key
        if key is None or len(key.get_secret_value().encode()) < MIN_DATA_KEY_BYTES:
            raise ValueError(
                f"SECURITY__DATA_ENCRYPTION_KEY must be set to at least {MIN_DATA_KEY_BYTES} "
                "bytes when ENVIRONMENT=production (openssl rand -hex 32 gives 64)"
            )
        return self

    def webauthn_origins(self) -> list[str]:
        """The origins allowed to use passkeys: WEBAUTHN__ORIGINS, or the defaults."""
        if self.webauthn.origins is not None:
            return self.webauthn.origins
        public = urlsplit(self.public_url)
        return list(dict.fromkeys([f"{public.scheme}://{public.netloc}", LOCAL_ORIGIN]))

    @model_validator(mode="after")
    def _refuse_weak_password_hashing_in_production(self) -> Self:
        if self.environment != "production":
            return self
        memory_kib = self.security.password_hash_memory_kib
        passes = self.security.password_hash_time_cost
        if not any(memory_kib >= m and passes >= t for m, t in OWASP_ARGON2ID_MINIMUMS):
            raise ValueError(
                "SECURITY__PASSWORD_HASH_MEMORY_KIB and _TIME_COST are below OWASP's "
                "Argon2id minimum when ENVIRONMENT=production: use at least one of "
                + ", ".join(f"{m} KiB with {t} passes" for m, t in OWASP_ARGON2ID_MINIMUMS)
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_email_in_production(self) -> Self:
        if self.environment != "production":
            return self
        if not self.smtp.host:
            if self.recovery.enabled:
                raise ValueError(
                    "SMTP__HOST must be set when ENVIRONMENT=production, or password "
                    "recovery switched off with RECOVERY__ENABLED=false"
                )
        elif self.smtp.security == "none" and not is_loopback_host(self.smtp.host):
            raise ValueError(
                "SMTP__SECURITY=none sends recovery links and the SMTP password in clear: "
                "use starttls or tls, or a relay on a loopback address, when "
                "ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_any_origin_in_production(self) -> Self:
        if self.environment == "production" and "*" in self.security.backend_cors_origins:
            raise ValueError(
                'SECURITY__BACKEND_CORS_ORIGINS must list origins by name, not "*", '
                "when ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_open_metrics_in_production(self) -> Self:
        token = self.metrics.bearer_token
        if self.environment == "production" and (
            token is None or len(token.get_secret_value().encode()) < MIN_METRICS_TOKEN_BYTES
        ):
            raise ValueError(
                "METRICS__BEARER_TOKEN must be set to at least "
                f"{MIN_METRICS_TOKEN_BYTES} bytes when ENVIRONMENT=production"
            )
        return self


def is_example_value(value: str) -> bool:
    lowered = value.lower()
    return any(mark in lowered for mark in EXAMPLE_VALUE_MARKS)


def is_loopback_host(host: str) -> bool:
    """`localhost` (and its subdomains, RFC 6761) or a loopback address."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
