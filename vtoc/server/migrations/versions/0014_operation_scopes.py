"""operation scopes: a token (and an SSH key) may be limited to a set of operations

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = ("api_tokens", "ssh_keys")


def upgrade() -> None:
    for table in SCOPED:
        op.add_column(table, sa.Column("operation_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("operation_ids")
