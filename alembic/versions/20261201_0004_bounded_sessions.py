"""bounded sessions, canonical emails

One row per session: the refresh token names its session and generation, so
the refresh_tokens table goes. Sessions open before this revision are
deleted: their refresh tokens have the old form, and their users sign in
again. Emails get a canonical form (NFC, then lower-case) that every
comparison uses.

Revision ID: 0004_bounded_sessions
Revises: 0003_throttle
Create Date: 2026-12-01 21:00:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_bounded_sessions"
down_revision: str | None = "0003_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("refresh_tokens")
    op.execute("DELETE FROM user_sessions")
    op.add_column(
        "user_sessions", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False)
    )
    op.add_column(
        "user_sessions",
        sa.Column("generation", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "user_sessions",
        sa.Column(
            "rotated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.add_column(
        "user_sessions",
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        op.f("ix_user_sessions_expires_at"), "user_sessions", ["expires_at"], unique=False
    )
    op.drop_index("uq_users_email_lower", table_name="users")
    op.add_column("users", sa.Column("email_canonical", sa.Text(), nullable=True))
    op.execute("UPDATE users SET email_canonical = lower(normalize(email, NFC))")
    op.alter_column("users", "email_canonical", nullable=False)
    op.create_unique_constraint(op.f("uq_users_email_canonical"), "users", ["email_canonical"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_users_email_canonical"), "users", type_="unique")
    op.drop_column("users", "email_canonical")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.execute("DELETE FROM user_sessions")
    op.drop_index(op.f("ix_user_sessions_expires_at"), table_name="user_sessions")
    op.drop_column("user_sessions", "refresh_expires_at")
    op.drop_column("user_sessions", "rotated_at")
    op.drop_column("user_sessions", "generation")
    op.drop_column("user_sessions", "expires_at")
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["user_sessions.session_id"],
            name=op.f("fk_refresh_tokens_session_id_user_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(
        op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"], unique=False
    )
