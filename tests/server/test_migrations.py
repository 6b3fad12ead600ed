"""Migrations build the schema from nothing on both databases, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from vtoc.server.migrate import upgrade
from vtoc.server.models import Base

# Full-text search lives outside the ORM: the FTS5 table on SQLite, a generated column on
# PostgreSQL. Autogenerate sees them as extra; nothing else may differ.
FTS_ONLY = {"intel_fts", "intel_fts_data", "intel_fts_idx", "intel_fts_docsize", "intel_fts_config"}


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    relevant = [d for d in diffs if not _is_fts(d)]
    assert relevant == []


def _is_fts(diff: object) -> bool:
    text = repr(diff)
    return any(name in text for name in FTS_ONLY) or "ix_intel_search" in text or "'search'" in text


def test_upgrade_is_repeatable(engine: Engine) -> None:
    upgrade(engine)  # already at head: a no-op, not an error
    tables = set(inspect(engine).get_table_names())
    assert {"operations", "missions", "assets", "intel_reports", "indicators", "events"} <= tables
    assert "alembic_version" in tables
