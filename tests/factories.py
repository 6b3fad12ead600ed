"""Sample data and database resets for tests."""

from __future__ import annotations

from sqlalchemy import Engine, text

from vtoc.server.models import Base

AGENT_DEFAULTS = {"monitor": 300, "analyzer": 600, "executor": 900}


def reset_database(engine: Engine) -> None:
    """Empty every table but keep the schema and the three seeded agents, as migrated."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "agents"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM sqlite_sequence"))
        for name, seconds in AGENT_DEFAULTS.items():
            conn.execute(
                text(
                    "UPDATE agents SET interval_seconds = :s, enabled = :t, config = '{}', "
                    "next_run_at = NULL, last_run_at = NULL, lease_owner = NULL, "
                    "lease_expires_at = NULL, state = NULL, version = 1 WHERE name = :n"
                ),
                {"s": seconds, "t": True, "n": name},
            )
