"""track summaries: each hour of a track thinned once, and a generation that says when not

A day at 1 Hz is 86,400 fixes, and reading them at all was most of a track's GET. On
PostgreSQL a read now takes each whole hour of its range from ``track_summaries`` (the
hour's points in thinning order, written by the first read of the hour) while
``track_hours.generation`` is the one the summary was built at. The triggers below bump the
generation in the same statement as any fix of the hour is added, changed or deleted
(a batch, a late fix, the thinning of old tracks, an asset's delete), so no summary
outlives its fixes. SQLite has the tables but reads its tracks whole.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Statement-level: a batch of 5,000 fixes bumps its hours once, in (asset, hour) order (two
# batches wait on each other's rows without a cycle). Deleted fixes bump only the hours of
# assets that are still there: an asset's delete takes its hours with it (CASCADE).
TOUCHED = """
CREATE FUNCTION track_hours_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM track_summaries;
        DELETE FROM track_hours;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO track_hours AS h (asset_id, hour, generation)
        SELECT f.asset_id, date_trunc('hour', f.at, 'UTC'), 1
        FROM old_fixes AS f JOIN assets AS a ON a.id = f.asset_id
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (asset_id, hour) DO UPDATE SET generation = h.generation + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO track_hours AS h (asset_id, hour, generation)
        SELECT asset_id, date_trunc('hour', at, 'UTC'), 1 FROM new_fixes
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (asset_id, hour) DO UPDATE SET generation = h.generation + 1;
    END IF;
    RETURN NULL;
END
$$
"""
TRIGGERS = {
    "track_fixes_inserted": "AFTER INSERT ON position_fixes REFERENCING NEW TABLE AS new_fixes"
    " FOR EACH STATEMENT",
    "track_fixes_deleted": "AFTER DELETE ON position_fixes REFERENCING OLD TABLE AS old_fixes"
    " FOR EACH STATEMENT",
    "track_fixes_updated": "AFTER UPDATE ON position_fixes"
    " REFERENCING OLD TABLE AS old_fixes NEW TABLE AS new_fixes FOR EACH STATEMENT",
    "track_fixes_truncated": "AFTER TRUNCATE ON position_fixes FOR EACH STATEMENT",
}


def upgrade() -> None:
    op.create_table(
        "track_hours",
        sa.Column("asset_id", BigId, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id", "hour"),
    )
    op.create_table(
        "track_summaries",
        sa.Column("asset_id", BigId, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("points", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id", "hour"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE track_summaries ALTER COLUMN points SET STORAGE EXTERNAL")
    op.execute(TOUCHED)
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION track_hours_touched()")
    op.execute(
        "INSERT INTO track_hours (asset_id, hour, generation)"
        " SELECT asset_id, date_trunc('hour', at, 'UTC'), 1 FROM position_fixes GROUP BY 1, 2"
        " ON CONFLICT DO NOTHING"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON position_fixes")
        op.execute("DROP FUNCTION track_hours_touched()")
    op.drop_table("track_summaries")
    op.drop_table("track_hours")
