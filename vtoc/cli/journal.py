"""``vtoc log``: the staff journal, written as things happen and read back or followed."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.output import Format, columns, render, render_one
from vtoc.cli.params import AllOpt, JsonOpt, LimitOpt, OutputOpt, SearchOpt, output_format
from vtoc.cli.session import client
from vtoc.schemas import JournalKind, row_id

if TYPE_CHECKING:
    from vtoc import schemas as s

app = typer.Typer(help="The staff journal: add, list, correct.", no_args_is_help=True)
COLUMNS = columns("id", "occurred_at", "author", "kind", "text", "operation_id", "corrected_by")

Text = Annotated[str, typer.Argument(help="Markdown; '-' reads it from stdin.", show_default=False)]
OperationRef = Annotated[str | None, typer.Option("--op", help="Operation id or code.")]


def text_of(text: str) -> str:
    return sys.stdin.read().rstrip("\n") if text == "-" else text


def parse_ref(text: str) -> dict[str, object]:
    """``intel:42`` → ``{"entity": "intel", "id": 42}``."""
    entity, _, row = text.partition(":")
    number = row_id(row)
    if number is None:
        raise typer.BadParameter(f"{text!r}: expected ENTITY:ID, e.g. intel:42", param_hint="--ref")
    return {"entity": entity, "id": number}


@app.command()
def add(
    text: Text,
    op: OperationRef = None,
    kind: Annotated[JournalKind, typer.Option(help="What sort of entry.")] = JournalKind.note,
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened: 14:32Z, -10m or ISO 8601.")
    ] = None,
    ref: Annotated[
        list[str] | None, typer.Option("--ref", help="intel:42, mission:3...; repeatable.")
    ] = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """File a journal entry as yourself; the time defaults to now.

    Example: vtoc log add "Hawk-02 reports contact at grid 31U" --kind contact --at -5m --op OP-0001
    """
    from vtoc.cli.params import parse_time, resolve_id

    occurred = parse_time(at, "--at")
    refs = [parse_ref(r) for r in ref or []]
    body = text_of(text)
    with client() as api:
        entry = api.journal.create(
            text=body,
            kind=kind,
            operation_id=resolve_id(api.operations, op),
            occurred_at=occurred.isoformat() if occurred else None,
            refs=refs,
        )
    render_one(entry, output_format(output, as_json))


@app.command("list")
def list_(
    op: OperationRef = None,
    kind: Annotated[list[JournalKind] | None, typer.Option(help="Repeatable.")] = None,
    author: Annotated[str | None, typer.Option(help="A token's name.")] = None,
    since: Annotated[str | None, typer.Option(help="Occurred at or after: -2h, 14:00Z...")] = None,
    until: Annotated[str | None, typer.Option(help="Occurred before.")] = None,
    query: SearchOpt = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Then print new entries as they are filed.")
    ] = False,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List entries, newest recorded first; with --follow, new ones as they come.

    Example: vtoc log list --op OP-0001 --since -8h --follow
    """
    from vtoc.cli.events import last_event_id
    from vtoc.cli.params import list_rows, parse_time, resolve_id

    fmt = output_format(output, as_json)
    with client() as api:
        operation_id = resolve_id(api.operations, op)
        filters = {
            "operation_id": operation_id,
            "kind": kind,
            "author": author,
            "since": parse_time(since, "--since"),
            "until": parse_time(until, "--until"),
            "q": query,
        }
        start = last_event_id(api) if follow else 0
        list_rows(api.journal, COLUMNS, fmt, limit=limit, every=every, filters=filters)
        if not follow:
            return
        stream = api.stream_events(after=start, kinds=["journal."], operation_id=operation_id)
        try:
            follow_entries((entry_of(e) for e in stream), fmt, kind, author)
        except KeyboardInterrupt:
            return


def entry_of(event: s.Event) -> s.JournalEntry:
    from vtoc import schemas as s

    return s.JournalEntry.model_validate(event.data)


def follow_entries(
    entries: Iterable[s.JournalEntry],
    fmt: Format,
    kinds: list[JournalKind] | None,
    author: str | None,
) -> None:
    """Each new entry as a one-row list (a JSON line with ``-o json``), printed at once."""
    from vtoc.cli.output import write

    for entry in entries:
        if (kinds and entry.kind not in kinds) or (author and entry.author != author):
            continue
        if fmt is Format.json:
            write(entry.model_dump_json())
        else:
            render([entry], COLUMNS, fmt)


@app.command()
def correct(
    entry: Annotated[int, typer.Argument(help="The entry's id.", show_default=False)],
    text: Text,
    reason: Annotated[str, typer.Option(help="Why the entry was wrong.")],
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """File a correction: a new entry; the original stays as written and names it.

    Example: vtoc log correct 42 "Hawk-02 at grid 32U" --reason "misread the grid"
    """
    from vtoc import schemas as s

    data = s.JournalCorrection.model_validate({"text": text_of(text), "reason": reason})
    with client() as api:
        render_one(api.correct_entry(entry, data), output_format(output, as_json))
