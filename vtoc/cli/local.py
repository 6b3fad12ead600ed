"""Prepare the embedded local stack: database, demo data, admin token, saved context."""

from __future__ import annotations

import os
from dataclasses import dataclass

from vtoc.config import read_config_file, write_config_file

LOCAL_CONTEXT = "local"


@dataclass(frozen=True)
class LocalStack:
    api_url: str
    token: str
    database_url: str


def ensure_local_stack(*, port: int, seed_demo: bool) -> LocalStack:
    """Idempotent: a second run reuses the database and the stored token."""
    from sqlalchemy import func, select

    from vtoc.config import ServerSettings
    from vtoc.schemas import Role, TokenCreate
    from vtoc.server.auth import hash_token
    from vtoc.server.bootstrap import create_token, seed_demo_once
    from vtoc.server.db import make_engine, make_sessionmaker
    from vtoc.server.migrate import upgrade
    from vtoc.server.models import ApiToken

    settings = ServerSettings()
    os.environ.setdefault("VTOC_DATABASE_URL", settings.database_url)
    api_url = f"http://127.0.0.1:{port}"
    engine = make_engine(settings.database_url)
    upgrade(engine)
    config = read_config_file()
    stored = config.get("contexts", {}).get(LOCAL_CONTEXT, {}).get("token")
    with make_sessionmaker(engine)() as session:
        valid = stored and session.scalar(
            select(func.count()).where(
                ApiToken.token_hash == hash_token(stored), ApiToken.revoked_at.is_(None)
            )
        )
    engine.dispose()
    token = stored if valid else None
    if token is None:
        name = f"local-admin-{os.getpid()}"
        token = create_token(TokenCreate(name=name, role=Role.admin), settings).token
    if seed_demo:
        seed_demo_once(settings)
    contexts = config.setdefault("contexts", {})
    contexts[LOCAL_CONTEXT] = {"api_url": api_url, "token": token}
    config["current"] = LOCAL_CONTEXT
    write_config_file(config)
    return LocalStack(api_url=api_url, token=token, database_url=settings.database_url)
