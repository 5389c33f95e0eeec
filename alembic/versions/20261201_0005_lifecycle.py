"""lifecycle: email verification and change, devices of sessions, security events

Users get `email_verified` and `mfa_enabled` (kept by the second-factor
feature). Sessions remember the methods of the login that opened them
(`amr`, RFC 8176), and the user agent, client address and time of their
latest login or refresh. `email_tokens` holds the one-time tokens of email
verification and email change (one per account and kind); `security_events`
is each account's append-only record.

Revision ID: 0005_lifecycle
Revises: 0004_bounded_sessions
Create Date: 2026-12-01 23:30:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005_lifecycle"
down_revision: str | None = "0004_bounded_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("email_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "users",
        sa.Column("mfa_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("user_sessions", sa.Column("user_agent", sa.Text(), nullable=True))
    op.add_column("user_sessions", sa.Column("ip_address", sa.Text(), nullable=True))
    op.add_column(
        "user_sessions",
        sa.Column(
            "last_used_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.add_column(
        "user_sessions",
        sa.Column(
            "amr",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{pwd}'::text[]"),
            nullable=False,
        ),
    )
    op.create_table(
        "email_tokens",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_email_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_email_tokens_user_id")),
    )
    op.create_table(
        "security_events",
        sa.Column(
            "event_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("ip_address", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_security_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_security_events")),
    )
    op.create_index(
        "ix_security_events_user_id_at_event_id",
        "security_events",
        ["user_id", "at", "event_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_security_events_user_id_at_event_id", table_name="security_events")
    op.drop_table("security_events")
    op.drop_table("email_tokens")
    op.drop_column("user_sessions", "amr")
    op.drop_column("user_sessions", "last_used_at")
    op.drop_column("user_sessions", "ip_address")
    op.drop_column("user_sessions", "user_agent")
    op.drop_column("users", "mfa_enabled")
    op.drop_column("users", "email_verified")
