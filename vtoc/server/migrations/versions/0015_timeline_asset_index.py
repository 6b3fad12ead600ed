"""timeline asset index: the events of one asset in time order, from any point

An operation's timeline reads the events of its missions' assets, which belong to no
operation (positions and edits record them). ``ix_events_entity`` finds them but not in
time order: a page had to fetch and sort every event of every asset. This partial index
holds only events with no operation (the assigned ones have ``ix_events_operation_ts``),
so each asset's page is read from the cursor on in order and the pages are merged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNASSIGNED = sa.text("operation_id IS NULL")


def upgrade() -> None:
    # CREATE INDEX needs no table rebuild on SQLite: the FTS triggers stay.
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.create_index(
            "ix_events_unassigned_entity_ts",
            ["entity", "entity_id", "ts", "id"],
            postgresql_where=UNASSIGNED,
            sqlite_where=UNASSIGNED,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", recreate="never") as batch_op:
        batch_op.drop_index("ix_events_unassigned_entity_ts")
