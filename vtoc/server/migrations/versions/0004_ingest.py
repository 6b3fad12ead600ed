"""ingest: report fingerprints for flood suppression, and every ingested alert's dedup key

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SOURCES = ("manual", "wazuh", "n8n", "agent", "osint", "other")


def upgrade() -> None:
    # ADD COLUMN and CREATE INDEX need no table rebuild on SQLite: the FTS triggers stay.
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_intel_fingerprint", ["fingerprint", "last_seen_at"])
    op.create_table(
        "ingested_alerts",
        sa.Column("id", BigId, nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                *SOURCES,
                name="intelsource",
                native_enum=False,
                create_constraint=True,
                length=6,
            ),
            nullable=False,
        ),
        sa.Column("source_ref", sa.String(length=300), nullable=False),
        sa.Column("report_id", BigId, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["intel_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_ref", name="uq_ingested_source_ref"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ingested_alerts_report_id", "ingested_alerts", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_ingested_alerts_report_id", table_name="ingested_alerts")
    op.drop_table("ingested_alerts")
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.drop_index("ix_intel_fingerprint")
        batch_op.drop_column("fingerprint")
