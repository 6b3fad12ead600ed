"""track index: one asset's fixes in (at, id) order, covering lat/lon on PostgreSQL

A day at 1 Hz is 86,400 fixes to thin; read through the unique key they needed a sort and
a heap fetch each. This index hands them over in order from the index alone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_fix_track",
        "position_fixes",
        ["asset_id", "at", "id"],
        postgresql_include=["lat", "lon"],
    )


def downgrade() -> None:
    op.drop_index("ix_fix_track", table_name="position_fixes")
