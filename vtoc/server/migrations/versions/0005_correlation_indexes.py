"""correlation indexes: the analyzer's probes answered from indexes alone

The analyzer looks up, for each indicator of a new report, the reports carrying it and
when those were observed. With ``report_id`` in the (kind, value) index and ``observed_at``
next to the id, both lookups are index-only: at a million reports the heap pages they
would otherwise visit no longer fit in memory, and the cost would grow with the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE/DROP INDEX need no table rebuild on SQLite: the FTS triggers stay.
    with op.batch_alter_table("indicators", recreate="never") as batch_op:
        batch_op.create_index("ix_indicators_kind_value_report", ["kind", "value", "report_id"])
        batch_op.drop_index("ix_indicators_kind_value")
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.create_index("ix_intel_id_observed_at", ["id", "observed_at"])


def downgrade() -> None:
    with op.batch_alter_table("intel_reports", recreate="never") as batch_op:
        batch_op.drop_index("ix_intel_id_observed_at")
    with op.batch_alter_table("indicators", recreate="never") as batch_op:
        batch_op.create_index("ix_indicators_kind_value", ["kind", "value"])
        batch_op.drop_index("ix_indicators_kind_value_report")
