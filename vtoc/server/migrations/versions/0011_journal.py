"""journal: the staff journal, acknowledgements of reports, handovers of the watch

An operation's timeline reads its journal entries and its events in time order from any
point, so both get an (operation_id, time, id) index; the events' one is partial, like
``ix_events_operation_id``: most events (every ingested alert's) belong to no operation.

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-06 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ASSIGNED = sa.text("operation_id IS NOT NULL")
KINDS = ("note", "contact", "order", "decision", "report", "handover", "sitrep")


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="journalkind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("operation_id", sa.BigInteger(), nullable=True),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("corrects", BIG_ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["corrects"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("corrects"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_journal_operation_occurred",
        "journal_entries",
        ["operation_id", "occurred_at", "id"],
    )
    op.create_table(
        "intel_acks",
        sa.Column("report_id", BIG_ID, nullable=False),
        sa.Column("acked_by", sa.String(length=100), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["intel_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_table(
        "intel_ack_overdue",
        sa.Column("report_id", BIG_ID, nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["intel_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_table(
        "handovers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("handed_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_items", sa.JSON(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id"),
        sqlite_autoincrement=True,
    )
    # CREATE INDEX needs no table rebuild on SQLite: the FTS triggers stay.
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.create_index(
            "ix_events_operation_ts",
            ["operation_id", "ts", "id"],
            postgresql_where=ASSIGNED,
            sqlite_where=ASSIGNED,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.drop_index("ix_events_operation_ts")
    op.drop_table("handovers")
    op.drop_table("intel_ack_overdue")
    op.drop_table("intel_acks")
    op.drop_index("ix_journal_operation_occurred", table_name="journal_entries")
    op.drop_table("journal_entries")
