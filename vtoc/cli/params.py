"""Options every command group shares, and the helpers that turn them into requests."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from vtoc.cascade import delete_question
from vtoc.cli.output import Column, Format, is_terminal, render, render_one

if TYPE_CHECKING:
    from datetime import datetime

    from vtoc.client import SyncRows, VtocClient
    from vtoc.schemas import Page

T = TypeVar("T")

OutputOpt = Annotated[
    Format, typer.Option("--output", "-o", help="table, json, yaml or csv.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Short for -o json.")]
LimitOpt = Annotated[int, typer.Option(min=1, max=500, help="Rows per page.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Follow cursors and list every match.")]
SearchOpt = Annotated[str | None, typer.Option("--query", "-q", help="Text search.")]
FileOpt = Annotated[
    str | None,
    typer.Option("--file", "-f", help="A JSON or YAML body ('-' reads stdin); flags win."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
IfVersionOpt = Annotated[
    int | None,
    typer.Option("--if-version", help="Refuse the change if the row is no longer at version N."),
]
Ref = Annotated[str, typer.Argument(help="Numeric id, or the code / name.", show_default=False)]


SPAN = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
SPAN_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def moment(text: str | None, param: str) -> datetime | None:
    """``2h`` (that long ago), ``30m``, ``1d``, or an ISO 8601 time (UTC if no offset)."""
    if text is None:
        return None
    if match := SPAN.fullmatch(text.strip()):
        seconds = float(match[1]) * SPAN_UNITS[match[2]]
        return datetime.now(UTC) - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a span such as 2h / 30m / 1d nor an ISO 8601 time",
            param_hint=param,
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def output_format(output: Format, as_json: bool) -> Format:
    return Format.json if as_json else output


def read_body(file: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """The request body: the file's mapping (JSON or YAML), overridden by the flags given."""
    data: Any = {}
    if file is not None:
        import yaml

        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text()
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot read {file}: {exc.strerror}", param_hint="-f"
            ) from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None) or ""
            msg = f"{file} is neither JSON nor YAML{where}"
            raise typer.BadParameter(" ".join(msg.split()), param_hint="-f") from None
        if not isinstance(data, dict):
            raise typer.BadParameter(f"{file} must hold one object", param_hint="-f")
        data = json.loads(json.dumps(data, default=lambda v: v.isoformat()))
    return {**data, **{k: v for k, v in fields.items() if v is not None}}


def resolve_id(resource: SyncRows[Any, Any], ref: str | None) -> int | None:
    """A numeric id for a reference (``OP-0007``, an asset's name) where the API wants one."""
    if ref is None:
        return None
    return int(ref) if ref.isdigit() else int(resource.get(ref).id)


def parse_time(typed: str | None, flag: str) -> datetime | None:
    """A time option as people type it (``-10m``, ``14:32Z``, ISO 8601), or a usage error."""
    from vtoc.when import parse_when

    if typed is None:
        return None
    try:
        return parse_when(typed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None


def pages(fetch: Callable[[str | None], Page[T]], every: bool) -> list[T]:
    """The first page from ``fetch(cursor)``, or with ``--all`` every page."""
    page = fetch(None)
    rows = list(page.items)
    while every and page.next_cursor:
        page = fetch(page.next_cursor)
        rows.extend(page.items)
    return rows


def list_rows(
    resource: SyncRows[Any, Any],
    cols: list[Column],
    fmt: Format,
    *,
    limit: int,
    every: bool,
    filters: dict[str, Any],
) -> None:
    """One page (or every page with ``--all``), rendered; a hint on stderr if more exist."""
    if every:
        rows = list(resource.iterate(limit=limit, **filters))
        more = False
    else:
        page = resource.list(limit=limit, **filters)
        rows, more = page.items, bool(page.next_cursor)
    render(rows, cols, fmt)
    if more and fmt is Format.table and is_terminal():
        typer.echo(f"(first {len(rows)}; --all lists every one)", err=True)


def add_show_delete(
    app: typer.Typer,
    attr: str,
    noun: str,
    example: str,
    *,
    delete: bool = True,
    group: str | None = None,
    asking: Callable[[VtocClient, str], str] | None = None,
) -> None:
    """``show REF`` and ``delete REF``: the same for every resource but for their names.
    ``asking`` words the question for a delete that takes more rows along (``vtoc.cascade``)."""
    from vtoc.cli.session import client

    group = group or attr
    one = f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"

    def show(ref: Ref, output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
        with client() as api:
            render_one(getattr(api, attr).get(ref), output_format(output, as_json))

    show.__doc__ = (
        f"Show one {noun} with every field.\n\nExample: vtoc {group} show {example} -o yaml"
    )
    app.command("show")(show)
    if not delete:
        return

    def remove(ref: Ref, yes: YesOpt = False) -> None:
        with client() as api:
            if not yes:
                question = asking(api, ref) if asking else delete_question(noun, ref)
                typer.confirm(question, abort=True)
            getattr(api, attr).delete(ref)
        typer.echo(f"deleted {noun} {ref}", err=True)

    remove.__doc__ = (
        f"Delete {one} (asks first unless --yes).\n\nExample: vtoc {group} delete {example} -y"
    )
    app.command("delete")(remove)


def create_or_update(
    make: Callable[[dict[str, Any]], Any], body: dict[str, Any], fmt: Format, *, changing: bool
) -> None:
    if changing and not body:
        raise typer.BadParameter("nothing to change: give flags or -f FILE")
    render_one(make(body), fmt)
