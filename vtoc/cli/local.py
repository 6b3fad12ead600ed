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
    from vtoc.config import ServerSettings
    from vtoc.server.bootstrap import prepare_local

    settings = ServerSettings()
    os.environ.setdefault("VTOC_DATABASE_URL", settings.database_url)
    api_url = f"http://127.0.0.1:{port}"
    config = read_config_file()
    token = prepare_local(
        settings,
        stored_token=config.get("contexts", {}).get(LOCAL_CONTEXT, {}).get("token"),
        token_name=f"local-admin-{os.getpid()}",
        seed_demo=seed_demo,
    )
    contexts = config.setdefault("contexts", {})
    contexts[LOCAL_CONTEXT] = {"api_url": api_url, "token": token}
    config["current"] = LOCAL_CONTEXT
    write_config_file(config)
    return LocalStack(api_url=api_url, token=token, database_url=settings.database_url)
