"""Migrations build the schema from nothing on both databases, and match the models."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from tests.conftest import PG_ADMIN_URL
from vtoc.server.db import make_engine
from vtoc.server.migrate import alembic_config, upgrade
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


def test_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    """On fresh databases of both kinds: base → head → base → head. PostgreSQL's URL is the
    plain ``postgresql://`` of the deploy files, which SQLAlchemy 2.1 maps to psycopg 3."""
    name = f"vtoc_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql+psycopg2://", "postgresql://")
    urls = [
        f"sqlite:///{tmp_path / 'fresh.db'}",
        f"{server}/{name}",  # as deploy/compose.yaml and Terraform write it
    ]
    try:
        for url in urls:
            engine = make_engine(url)
            assert engine.dialect.driver in {"pysqlite", "psycopg2"}  # the installed drivers
            upgrade(engine)
            with engine.begin() as conn:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            upgrade(engine)
            assert "intel_reports" in inspect(engine).get_table_names()
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
