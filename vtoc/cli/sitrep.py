"""``vtoc sitrep``: the situation as a briefing: what is running, what is ready, what is new,
what is late and whether the agents are keeping up. The server gathers it (``GET /sitrep``);
``briefing`` writes it."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from vtoc.cli.session import client


class SitrepFormat(StrEnum):
    md = "md"
    json = "json"


def sitrep(
    operation: Annotated[
        str | None, typer.Option("--operation", help="Only this operation (id or code).")
    ] = None,
    hours: Annotated[int, typer.Option(min=1, max=24 * 90, help="Intel window in hours.")] = 24,
    output: Annotated[
        SitrepFormat, typer.Option("--output", "-o", help="md (Markdown) or json.")
    ] = SitrepFormat.md,
) -> None:
    """A situation report to paste into a briefing: operations, readiness, intel, delays.

    Example: vtoc sitrep --operation OP-0001 --hours 12 > sitrep.md
    """
    from vtoc.cli.briefing import markdown
    from vtoc.cli.output import is_terminal, write
    from vtoc.terminal import printable

    with client() as api:
        report = api.sitrep(operation=operation, hours=hours)
        server = api.base_url
    if output is SitrepFormat.json:
        found = {**report.model_dump(mode="json"), "server": server}
        write(json.dumps(found, indent=2, ensure_ascii=False))
    elif is_terminal():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(printable(markdown(report, server))))
    else:
        write(printable(markdown(report, server)))
