"""Database models: the single source of truth for the schema.

Alembic autogenerates migrations against these models; a test proves that the
migrations and the models agree.
"""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so that migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# RFC 5321's limit on an address; the column, the lookups and the request
# schemas all take it from here.
MAX_EMAIL_LENGTH = 254


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Keyset pagination of the user list walks (created_at, user_id).
        Index("ix_users_created_at_user_id", "created_at", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # As registered (its case kept), for display and for sending mail.
    email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH))
    # The form every comparison uses (`accounts.canonical_email`: NFC, then
    # lower-case), unique in the database, so no race in code can slip a
    # duplicate past it.
    email_canonical: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    is_superuser: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # The TOTP time step of the account's last accepted code: that step and
    # earlier ones are refused, across re-enrolments too (see mfa.py).
    totp_last_step: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # The WebAuthn user handle of the account's passkeys: random, never the email.
    webauthn_user_handle: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    # Set by a verification link, a password reset, or the command line.
    email_verified: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Kept by the second-factor feature: true while a second factor is on.
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class UserSession(Base):
    """One login and its refresh token: one row, however often it is refreshed.

    Access tokens name their session (`sid`), and every authenticated request
    checks that the session is not revoked, so revoking it takes effect at once.
    The refresh token of generation `generation` is live; every earlier
    generation is spent, and recognised as such without being stored (see
    `app/core/security/refresh_tokens.py`).
    """

    __tablename__ = "user_sessions"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The session's absolute end, whatever its refreshes.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    generation: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # When the live generation was issued (and so its predecessor spent).
    rotated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # RFC 8176 methods of the login that opened the session; every access
    # token of the session carries them.
    amr: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{pwd}'::text[]"))
    # Of the login or the latest refresh (never of a mere use of an access token).
    last_used_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    user_agent: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(Text)


class PasswordResetToken(Base):
    """Recovery tokens are stored as SHA-256 hashes, never in plain text.

    One row per user: a newer request replaces the older token, and using a
    token deletes its row, so each token works at most once.
    """

    __tablename__ = "password_reset_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmailToken(Base):
    """Email verification and email change tokens, stored as SHA-256 hashes.

    One row per user and kind: a newer token replaces the older one, and
    using a token deletes its row, so each works at most once. A token of
    one kind is unknown to the other's endpoint (the kind is in every lookup).
    """

    __tablename__ = "email_tokens"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(Text)  # "verify" or "change"
    # The address an email change moves to (null for a verification).
    new_email: Mapped[str | None] = mapped_column(String(MAX_EMAIL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SecurityEvent(Base):
    """An account's append-only record of what happened to its security.

    Written in the transaction of the change it records; deleted with the
    account, and by housekeeping after the retention period.
    """

    __tablename__ = "security_events"
    __table_args__ = (
        # An account's events newest first, keyset-paginated on (at, event_id).
        Index("ix_security_events_user_id_at_event_id", "user_id", "at", "event_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, server_default=text("gen_random_uuid()")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ip_address: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    # The session acted on; no foreign key: the record outlives the session.
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The superuser who acted, for administration events.
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ThrottleCounter(Base):
    """One fixed-window counter of attempts (per client address, or per account).

    UNLOGGED: no write-ahead log, so the upsert of every login attempt stays
    cheap; after a crash PostgreSQL empties the table, which only forgives
    the attempts counted so far. Keys hold no email in clear (see throttle.py).
    """

    __tablename__ = "throttle_counters"
    __table_args__ = (
        # The cleanup finds expired counters through it.
        Index("ix_throttle_counters_expires_at", "expires_at"),
        {"prefixes": ["UNLOGGED"]},
    )

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)


class TotpFactor(Base):
    """A TOTP secret, encrypted (AES-GCM, bound to its user): pending until confirmed.

    One row per user: a pending row expires and is purged; a confirmed row
    is the second factor, until it is disabled (its row deleted).
    """

    __tablename__ = "totp_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A pending secret's end; null once confirmed.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Base):
    """A recovery code, stored only as SHA-256 of its user and normalised text; spent by delete."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )


class MfaLoginAttempt(Base):
    """A password login waiting for its second factor: the `mfa_token`, stored as a hash."""

    __tablename__ = "mfa_login_attempts"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Codes tried with it, counted before each check; at the limit it is dead.
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))


class Passkey(Base):
    """A WebAuthn credential of a user: its id, COSE public key and signature counter."""

    __tablename__ = "passkeys"

    passkey_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebauthnChallenge(Base):
    """A WebAuthn challenge (as a hash), single use: registration ones name their user."""

    __tablename__ = "webauthn_challenges"

    challenge_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    # "registration" or "authentication".
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.user_id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
