"""indicator value index: one index fewer on the table ingest writes most

Every ingested alert writes ~4 indicator rows, and each row wrote four b-tree entries.
``ix_indicators_value`` served one reader, the intel list's ``indicator=`` filter, which
now asks for the value under every kind: one probe per kind of the (kind, value,
report_id) index, which the analyzer reads anyway. ~6 µs of PostgreSQL CPU an alert.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicators", recreate="never") as batch_op:
        batch_op.drop_index("ix_indicators_value")


def downgrade() -> None:
    with op.batch_alter_table("indicators", recreate="never") as batch_op:
        batch_op.create_index("ix_indicators_value", ["value"])
