"""position fixes: assets' tracks, and the asset following its newest fix

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FIX_SOURCES = ("heartbeat", "nmea", "adsb", "ais", "cot", "api")


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch_op:
        batch_op.add_column(sa.Column("position_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("moved_event_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("move_pending", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    op.create_index(
        "ix_assets_move_pending",
        "assets",
        ["id"],
        postgresql_where=sa.text("move_pending"),
        sqlite_where=sa.text("move_pending"),
    )
    op.create_table(
        "position_fixes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("asset_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("alt", sa.Float(), nullable=True),
        sa.Column("course", sa.Float(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                *FIX_SOURCES,
                name="fixsource",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_id", "at", "source", name="uq_fix_asset_at_source"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("position_fixes")
    op.drop_index("ix_assets_move_pending", table_name="assets")
    with op.batch_alter_table("assets") as batch_op:
        batch_op.drop_column("move_pending")
        batch_op.drop_column("moved_event_at")
        batch_op.drop_column("position_at")
