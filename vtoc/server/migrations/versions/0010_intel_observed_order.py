"""intel observed order: lists go newest observation first, paged on (observed_at, id)

The intel list is ordered by when each report was observed, then by id, and its cursor is
that pair: an ingested file of last week's alerts no longer lists above today's. The pair
leads the dashboard's index, which keeps ``severity`` after it for its index-only counts per
hour and severity; so the list costs no index more on the table ingest writes most.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE/DROP INDEX need no table rebuild on SQLite: the FTS triggers stay.
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.create_index("ix_intel_observed_at_id", ["observed_at", "id", "severity"])
        batch_op.drop_index("ix_intel_observed_at_severity")


def downgrade() -> None:
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.create_index("ix_intel_observed_at_severity", ["observed_at", "severity"])
        batch_op.drop_index("ix_intel_observed_at_id")
