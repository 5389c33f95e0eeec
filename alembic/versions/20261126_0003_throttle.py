"""throttle counters

Revision ID: 0003_throttle
Revises: 0002_password_reset
Create Date: 2026-11-26 07:50:00.000000+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_throttle"
down_revision: str | None = "0002_password_reset"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_counters")),
        prefixes=["UNLOGGED"],
    )
    op.create_index(
        "ix_throttle_counters_expires_at", "throttle_counters", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_throttle_counters_expires_at", table_name="throttle_counters")
    op.drop_table("throttle_counters")
