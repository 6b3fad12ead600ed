"""event tickets: single-use passes for the event stream (EventSource cannot send headers)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_tickets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_hash"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("event_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_tickets_expires_at"), ["expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("event_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_tickets_expires_at"))
    op.drop_table("event_tickets")
