"""Sample data and database resets for tests."""

from __future__ import annotations

import itertools

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from vtoc.server.models import Base

DEADLOCK = "40P01"  # PostgreSQL's deadlock_detected
AGENT_DEFAULTS = {"monitor": 300, "analyzer": 600, "executor": 900}


def reset_database(engine: Engine) -> None:
    """Empty every table but keep the schema and the three seeded agents, as migrated.

    Row ids start at 1 again, but event ids go on: a server that outlives the test (the
    session's ``vtoc server run``) has read the log up to its newest id, and a log whose ids
    went back, as no production log does, would be news it never hears of.

    That server keeps working meanwhile (its track keeper thins and announces moves), and
    ``TRUNCATE`` locks table after table: PostgreSQL may end a lock cycle between the two by
    aborting the reset, which is then simply done again."""
    for attempt in itertools.count(1):
        try:
            return empty_tables(engine)
        except OperationalError as exc:
            if getattr(exc.orig, "pgcode", None) != DEADLOCK or attempt == 5:
                raise


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in ("agents", "events")]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE events CONTINUE IDENTITY"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("DELETE FROM events"))
            for table in reversed(tables):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM sqlite_sequence WHERE name != 'events'"))
        for name, seconds in AGENT_DEFAULTS.items():
            conn.execute(
                text(
                    "UPDATE agents SET interval_seconds = :s, enabled = :t, config = '{}', "
                    "next_run_at = NULL, last_run_at = NULL, lease_owner = NULL, "
                    "lease_expires_at = NULL, state = NULL, version = 1 WHERE name = :n"
                ),
                {"s": seconds, "t": True, "n": name},
            )
