"""``vtoc context``: named servers and tokens, kubectl-style, in a 0600 config file."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import BaseModel

from vtoc.cli.completion import context_names
from vtoc.cli.errors import EXIT_USAGE, fail
from vtoc.cli.output import Column, Format, render, render_one
from vtoc.cli.params import JsonOpt, OutputOpt, output_format
from vtoc.config import ClientSettings, Context, read_config_file, write_config_file
from vtoc.schemas import WhoAmI

app = typer.Typer(help="Contexts: which server and token to use.", no_args_is_help=True)


Name = Annotated[str, typer.Argument(help="The context's name.", show_default=False)]
Existing = Annotated[
    str,
    typer.Argument(help="The context's name.", show_default=False, autocompletion=context_names),
]


class Row(BaseModel):
    """A context as listed: its name, whether it is current, the token masked."""

    name: str
    api_url: str
    token: str | None = None
    current: bool = False


def mask(token: str | None) -> str | None:
    return f"{token[:9]}…{token[-4:]}" if token and len(token) > 16 else ("***" if token else None)


def stored() -> tuple[dict[str, Any], dict[str, Any]]:
    config = read_config_file()
    return config, config.setdefault("contexts", {})


@app.command()
def add(
    name: Name,
    url: Annotated[str, typer.Option(help="The server's base URL.", show_default=False)],
    token: Annotated[str | None, typer.Option(help="An API token for it.")] = None,
    use: Annotated[
        bool, typer.Option("--use/--no-use", help="Make it current (the first one always is).")
    ] = False,
) -> None:
    """Add (or replace) a context; the file is readable by you only. The current context
    stays what it was unless --use says otherwise.

    Example: vtoc context add prod --url https://vtoc.example.org --token "$TOKEN" --use
    """
    if not name.strip():
        fail("a context needs a name", EXIT_USAGE)
    config, contexts = stored()
    contexts[name] = Context(api_url=url, token=token).model_dump(exclude_none=True)
    if use or config.get("current") not in contexts:
        config["current"] = name
    path = write_config_file(config)
    now = "now current" if config["current"] == name else f"current is still {config['current']!r}"
    typer.echo(f"context {name!r} saved in {path} ({now})", err=True)


@app.command()
def remove(name: Existing) -> None:
    """Forget a context and its token. Removing the current one leaves none current.

    Example: vtoc context remove old-lab
    """
    config, contexts = stored()
    if name not in contexts:
        fail(f"no context named {name!r} (see `vtoc context list`)", EXIT_USAGE)
    del contexts[name]
    if config.get("current") == name:
        config.pop("current")
    write_config_file(config)
    typer.echo(f"context {name!r} removed", err=True)


@app.command()
def use(name: Existing) -> None:
    """Make a context the current one.

    Example: vtoc context use local
    """
    config, contexts = stored()
    if name not in contexts:
        fail(f"no context named {name!r} (see `vtoc context list`)", EXIT_USAGE)
    config["current"] = name
    write_config_file(config)
    typer.echo(f"now using context {name!r}", err=True)


@app.command("list")
def list_(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """List contexts; tokens are masked.

    Example: vtoc context list
    """
    config, contexts = stored()
    rows = [
        Row(
            name=name,
            api_url=ctx["api_url"],
            token=mask(ctx.get("token")),
            current=name == config.get("current"),
        )
        for name, ctx in sorted(contexts.items())
    ]
    cols = [
        Column("", "current", lambda r: "*" if r.current else ""),
        Column("NAME", "name"),
        Column("URL", "api_url"),
        Column("TOKEN", "token"),
    ]
    render(rows, cols, output_format(output, as_json))


@app.command()
def current(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """The context in use after VTOC_* overrides (token masked).

    Example: vtoc context current -o json
    """
    from vtoc.cli.session import context
    from vtoc.cli.session import current as chosen

    ctx = context()
    config = read_config_file()
    name = chosen.context or ClientSettings().context or config.get("current") or "(none)"
    row = Row(name=name, api_url=ctx.api_url, token=mask(ctx.token), current=True)
    render_one(row, output_format(output, as_json))


def whoami(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """Who the server thinks you are: the server, the token's name and its role.

    Example: vtoc whoami -o json
    """
    from vtoc.cli.session import client

    with client() as api:
        me = api.whoami()
        server = api.base_url
    fmt = output_format(output, as_json)
    if fmt is Format.table:
        typer.echo(f"{me.name} ({me.role}) on {server}")
    else:
        render_one(Identity(server=server, name=me.name, role=me.role), fmt)


class Identity(WhoAmI):
    server: str
