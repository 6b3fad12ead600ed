"""Direct-to-database chores: ``vtoc server token create``, ``vtoc demo seed``, ``vtoc up``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def prepare_local(
    settings: ServerSettings, *, stored_token: str | None, token_name: str, seed_demo: bool
) -> str:
    """The local stack's database, for ``vtoc up``: migrated, the admin token, demo data.

    One engine and one migration: ``stored_token`` is kept while it is not revoked, else
    an admin token named ``token_name`` is minted; the demo scenario goes into an empty
    database only. Returns the token's secret.
    """
    from vtoc.server.demo import seed_scenario

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with transaction(make_sessionmaker(engine)) as session:
            token = stored_token
            if not token or not tokens.in_force(session, token):
                data = s.TokenCreate(name=token_name, role=s.Role.admin)
                token = tokens.create(session, actor=CLI_ACTOR, data=data).token
        if seed_demo:
            with transaction(make_sessionmaker(engine)) as session:
                if not has_operations(session):
                    seed_scenario(session, reports=300, seed=7)
        return token
    finally:
        engine.dispose()


def has_operations(session: Session) -> bool:
    from vtoc.server.models import Operation

    return session.scalar(select(Operation.id).limit(1)) is not None
