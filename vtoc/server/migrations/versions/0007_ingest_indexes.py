"""ingest indexes: two fewer index entries per ingested alert

Every ingested alert writes a report and an event with no operation; their
``operation_id`` indexes now hold only rows that have one (partial indexes). The events'
``kind`` index goes: readers filter kinds by prefix (``LIKE 'intel.%'``), which a b-tree
under a non-C collation (C.UTF-8, en_US.UTF-8) cannot serve, so it was written on every
event and read by nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSIGNED = sa.text("operation_id IS NOT NULL")


def upgrade() -> None:
    # CREATE/DROP INDEX need no table rebuild on SQLite: the FTS triggers stay.
    for table in ("intel_reports", "events"):
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.drop_index(f"ix_{table}_operation_id")
            batch_op.create_index(
                f"ix_{table}_operation_id",
                ["operation_id"],
                postgresql_where=ASSIGNED,
                sqlite_where=ASSIGNED,
            )
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.drop_index("ix_events_kind")


def downgrade() -> None:
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.create_index("ix_events_kind", ["kind"])
    for table in ("intel_reports", "events"):
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.drop_index(f"ix_{table}_operation_id")
            batch_op.create_index(f"ix_{table}_operation_id", ["operation_id"])
