"""``list``, ``create`` and ``update`` commands built from a declaration of their flags.

Every resource group has the same three commands: flags that become a request's fields (or a
list's filters), then the shared options (``-f``, ``--if-version``, ``-o``). Declaring the flags
once as :class:`Flag` rows and building the Typer functions here keeps a new field a one-line
change, instead of an option list and a ``dict(...)`` to edit in step in every command.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vtoc.cli.output import Column, Format
from vtoc.cli.params import (
    AllOpt,
    FileOpt,
    IfVersionOpt,
    JsonOpt,
    LimitOpt,
    OperationOpt,
    OutputOpt,
    Ref,
    SearchOpt,
    create_or_update,
    list_rows,
    output_format,
    read_body,
    resolve_id,
)

if TYPE_CHECKING:
    from vtoc.client import VtocClient

Convert = Callable[["VtocClient", Any], Any]


@dataclass(frozen=True)
class Flag:
    """One option: its Python name and type (an ``Annotated[..., typer.Option()]``), the request
    field it fills, and how its value becomes that field's (a reference to an id, say)."""

    name: str
    annotation: Any
    field: str = ""
    convert: Convert | None = None

    @property
    def key(self) -> str:
        return self.field or self.name

    def value(self, api: VtocClient, given: Any) -> Any:
        if given is None or self.convert is None:
            return given
        return self.convert(api, given)


def reference(attr: str) -> Convert:
    """A converter from a name or code (``OP-0007``, ``Hawk-02``) to the id the API wants."""
    return lambda api, ref: resolve_id(getattr(api, attr), ref)


#: ``--operation`` by id, code or name, sent as the ``operation_id`` it names
OPERATION = Flag("operation", OperationOpt, "operation_id", reference("operations"))


def moment(_: VtocClient, typed: str) -> str:
    """A time as people type it (``tomorrow 0600``, ``+2h``), read as the TUI reads it."""
    from vtoc.when import parse_when

    try:
        return parse_when(typed).isoformat()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def references(attr: str) -> Convert:
    """:func:`reference` for a repeatable option."""
    return lambda api, refs: [resolve_id(getattr(api, attr), ref) for ref in refs]


def _param(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Parameter(name, kind, default=default, annotation=annotation)


def _command(
    app: typer.Typer,
    name: str,
    doc: str,
    run: Callable[..., None],
    params: Sequence[inspect.Parameter],
) -> None:
    """Register ``run`` under ``name`` with the signature Typer reads its options from."""

    def command(**kwargs: Any) -> None:
        run(**kwargs)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    command.__doc__ = doc
    command.__name__ = command.__qualname__ = name
    app.command(name)(command)


def _fields(api: VtocClient, flags: Sequence[Flag], given: dict[str, Any]) -> dict[str, Any]:
    return {flag.key: flag.value(api, given[flag.name]) for flag in flags}


def any_of(name: str, values: type[StrEnum]) -> Flag:
    """A list filter that takes one or more of ``values`` (``--status a --status b``)."""
    return Flag(name, Annotated[list[values] | None, typer.Option(help="Repeatable.")])  # type: ignore[valid-type]


def add_list(
    app: typer.Typer,
    attr: str,
    cols: list[Column],
    filters: Sequence[Flag],
    doc: str,
    *,
    search: bool = True,
) -> None:
    """``list``: the filters, then ``-q`` (if the resource has text search), paging and ``-o``."""
    from vtoc.cli.session import client

    def run(
        *,
        limit: int,
        every: bool,
        output: Format,
        as_json: bool,
        query: str | None = None,
        **given: Any,
    ) -> None:
        with client() as api:
            fields = _fields(api, filters, given) | ({"q": query} if search else {})
            resource = getattr(api, attr)
            fmt = output_format(output, as_json)
            list_rows(resource, cols, fmt, limit=limit, every=every, filters=fields)

    params = [_param(flag.name, flag.annotation) for flag in filters]
    if search:
        params.append(_param("query", SearchOpt))
    params += [
        _param("limit", LimitOpt, 50),
        _param("every", AllOpt, False),
        _param("output", OutputOpt, Format.table),
        _param("as_json", JsonOpt, False),
    ]
    _command(app, "list", doc, run, params)


def add_create(app: typer.Typer, attr: str, flags: Sequence[Flag], doc: str) -> None:
    """``create``: the fields as flags, a body from ``-f FILE`` underneath them, then ``-o``."""
    from vtoc.cli.session import client

    def run(*, file: str | None, output: Format, as_json: bool, **given: Any) -> None:
        with client() as api:
            body = read_body(file, _fields(api, flags, given))
            make = getattr(api, attr).create
            create_or_update(make, body, output_format(output, as_json), changing=False)

    params = [_param(flag.name, flag.annotation) for flag in flags]
    params += [
        _param("file", FileOpt),
        _param("output", OutputOpt, Format.table),
        _param("as_json", JsonOpt, False),
    ]
    _command(app, "create", doc, run, params)


def add_update(app: typer.Typer, attr: str, flags: Sequence[Flag], doc: str) -> None:
    """``update REF``: only the fields given change; ``--if-version`` refuses a stale edit."""
    from vtoc.cli.session import client

    def run(
        *,
        ref: str,
        file: str | None,
        if_version: int | None,
        output: Format,
        as_json: bool,
        **given: Any,
    ) -> None:
        with client() as api:
            body = read_body(file, _fields(api, flags, given))
            resource = getattr(api, attr)
            create_or_update(
                lambda b: resource.update(ref, b, version=if_version),
                body,
                output_format(output, as_json),
                changing=True,
            )

    params = [_param("ref", Ref, inspect.Parameter.empty)]
    params += [_param(flag.name, flag.annotation) for flag in flags]
    params += [
        _param("file", FileOpt),
        _param("if_version", IfVersionOpt),
        _param("output", OutputOpt, Format.table),
        _param("as_json", JsonOpt, False),
    ]
    _command(app, "update", doc, run, params)
