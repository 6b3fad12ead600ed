"""Options every command group shares, and the helpers that turn them into requests."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from vtoc.cascade import delete_question, label_of
from vtoc.cli.completion import resource_names
from vtoc.cli.output import Column, Format, render, render_one
from vtoc.schemas import MAX_INT32, MAX_ROW_ID, ListQuery
from vtoc.validation import limits

if TYPE_CHECKING:
    from datetime import datetime

    from vtoc.client import SyncRows
    from vtoc.schemas import Page

T = TypeVar("T")


COLUMN_SIZES = (MAX_INT32, MAX_ROW_ID)


def bounds(model: type[BaseModel], field: str) -> dict[str, Any]:
    """A number flag's ``min``/``max``, read from the schema's bounds on the field it fills:
    the CLI refuses what the server would (and the TUI and SPA, which show its answer), no
    more and no less (an exclusive bound only on whole numbers, which Typer can state). An
    integer column's own size is left to the server, not read out in every help."""
    least, most = limits(model, field)
    flag = {"min": least, "max": None if most in COLUMN_SIZES else most}
    return {key: value for key, value in flag.items() if value is not None}


def port_option(help: str) -> Any:
    """A TCP or UDP port option: 1 to 65535, whichever server listens on it."""
    return typer.Option(min=1, max=65535, help=help)


OutputOpt = Annotated[
    Format, typer.Option("--output", "-o", help="table, json, yaml or csv.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Short for -o json.")]
LimitOpt = Annotated[int, typer.Option(**bounds(ListQuery, "limit"), help="Rows per page.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Follow cursors and list every match.")]
SearchOpt = Annotated[str | None, typer.Option("--query", "-q", help="Text search.")]
FileOpt = Annotated[
    str | None,
    typer.Option("--file", "-f", help="A JSON or YAML body ('-' reads stdin); flags win."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
OperationOpt = Annotated[
    str | None, typer.Option("--operation", help="Operation id, code or name.")
]
ScopeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--operation",
        metavar="OP",
        help="See only this operation (code or id) and what hangs off it; repeat for more.",
        show_default=False,
    ),
]
IfVersionOpt = Annotated[
    int | None,
    typer.Option("--if-version", help="Refuse the change if the row is no longer at version N."),
]
Ref = Annotated[
    str,
    typer.Argument(
        help="Numeric id, code or name (any case).",
        show_default=False,
        autocompletion=resource_names,
    ),
]


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
    """The id the API wants for a reference (``OP-0007``, ``Silver Bridge``, ``hawk-02``), as
    the server resolves it: the same rule as every ``show``."""
    if ref is None:
        return None
    return int(resource.get(ref).id)


def parse_time(typed: str | None, flag: str) -> datetime | None:
    """A time option looking back, as people type it (``2h`` or ``-10m`` ago, ``14:32Z``,
    ISO 8601), or a usage error."""
    from vtoc.when import parse_past

    if typed is None:
        return None
    try:
        return parse_past(typed)
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
    """One page (or every page with ``--all``), rendered; a line on stderr if more exist, on
    a terminal or not: a script piping the first page on must not take it for all of them."""
    if every:
        rows = list(resource.iterate(limit=limit, **filters))
        more = False
    else:
        page = resource.list(limit=limit, **filters)
        rows, more = page.items, bool(page.next_cursor)
    render(rows, cols, fmt)
    if more:
        typer.echo(f"(first {len(rows)} only, more exist: --all lists every one)", err=True)


def add_show_delete(
    app: typer.Typer,
    attr: str,
    noun: str,
    example: str,
    *,
    delete: bool = True,
    group: str | None = None,
) -> None:
    """``show REF`` and ``delete REF``: the same for every resource but for their names.
    The delete asks first, saying what goes with the row (``vtoc.cascade``)."""
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
            resource = getattr(api, attr)
            if not yes:
                label = label_of(noun, resource.get(ref))
                typer.confirm(delete_question(label, resource.delete_impact(ref)), abort=True)
            resource.delete(ref)
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
