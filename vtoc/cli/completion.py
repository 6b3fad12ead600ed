"""Shell completion of what a command names: contexts from the config file, and operations,
missions, assets and agents from the server of the current context.

Completion runs on every tab press, so it asks the server once, briefly, and stays quiet on
any failure: a shell prompt must never show an error or hang.
"""

from __future__ import annotations

import contextlib
from typing import Any

import typer

#: the command group a reference belongs to -> the client's resource and what names a row
NAMES = {
    "ops": ("operations", ("code", "name")),
    "missions": ("missions", ("name",)),
    "assets": ("assets", ("name",)),
    "agents": ("agents", ("name",)),
}
#: seconds a tab press waits for the server at most
TIMEOUT = 2.0


def context_names(incomplete: str) -> list[str]:
    """The stored contexts' names."""
    from vtoc.config import read_config_file

    return sorted(n for n in read_config_file().get("contexts", {}) if n.startswith(incomplete))


def group_of(ctx: typer.Context) -> str:
    """``ops`` for ``vtoc ops show``: the top-level group the command sits in."""
    path = ctx.command_path.split()
    return path[1] if len(path) > 1 else ""


def resource_names(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Rows of the command's resource whose code or name starts with what was typed, each
    with the row's other naming as its help."""
    found = NAMES.get(group_of(ctx))
    if found is None:
        return []
    attr, keys = found
    rows: list[Any] = []
    with contextlib.suppress(Exception):
        rows = fetch(attr, incomplete)
    matches = []
    for row in rows:
        names = [str(getattr(row, key)) for key in keys]
        hit = next((n for n in names if n.startswith(incomplete)), None)
        if hit is not None:
            matches.append((hit, " ".join(n for n in names if n != hit) or f"id {row.id}"))
    return sorted(matches)


def fetch(attr: str, incomplete: str) -> list[Any]:
    """One page of the resource, searched for the typed text where the list can search."""
    import httpx

    from vtoc.cli.session import context
    from vtoc.client import RetryPolicy, VtocClient

    ctx = context()
    http = httpx.Client(base_url=ctx.api_url, timeout=TIMEOUT)
    with VtocClient(ctx.api_url, ctx.token, http=http, retry=RetryPolicy(attempts=1)) as api:
        resource = getattr(api, attr)
        if attr == "agents":
            return list(resource.list().items)
        query = {"q": incomplete} if incomplete else {}
        return list(resource.list(limit=100, **query).items)
