"""agents runtime: agent state, task claims, correlation membership

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("correlations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_report_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "correlation_members",
        sa.Column("report_id", BigId, nullable=False),
        sa.Column("correlation_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["intel_reports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["correlation_id"], ["correlations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    with op.batch_alter_table("correlation_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_correlation_members_correlation_id", ["correlation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("correlation_members")
    with op.batch_alter_table("correlations", schema=None) as batch_op:
        batch_op.drop_column("summary_report_id")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("state")
