"""Direct-to-database chores for ``vtoc server token create`` and ``vtoc demo seed``."""

from __future__ import annotations

from vtoc import schemas as s
from vtoc.config import ServerSettings
from vtoc.server.auth import CLI_ACTOR
from vtoc.server.db import make_engine, make_sessionmaker, transaction
from vtoc.server.migrate import upgrade
from vtoc.server.services import tokens


def create_token(data: s.TokenCreate, settings: ServerSettings | None = None) -> s.TokenCreated:
    settings = settings or ServerSettings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with transaction(make_sessionmaker(engine)) as session:
            return tokens.create(session, actor=CLI_ACTOR, data=data)
    finally:
        engine.dispose()


def seed_demo(*, reports: int, seed: int, settings: ServerSettings | None = None) -> dict[str, int]:
    from vtoc.server.demo import seed_scenario

    settings = settings or ServerSettings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with transaction(make_sessionmaker(engine)) as session:
            return seed_scenario(session, reports=reports, seed=seed)
    finally:
        engine.dispose()


def seed_demo_once(settings: ServerSettings) -> None:
    """Seed the demo scenario into an empty database; leave one with data alone."""
    from sqlalchemy import func, select

    from vtoc.server.demo import seed_scenario
    from vtoc.server.models import Operation

    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            if not session.scalar(select(func.count()).select_from(Operation)):
                seed_scenario(session, reports=300, seed=7)
    finally:
        engine.dispose()
