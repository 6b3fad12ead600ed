"""``vtoc tokens``: API tokens over the API (admin role); the secret is shown once."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Format, columns, render, render_one
from vtoc.cli.params import JsonOpt, OutputOpt, Ref, ScopeOpt, YesOpt, output_format
from vtoc.cli.session import client
from vtoc.schemas import Role

app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
COLUMNS = columns(
    "id",
    "name",
    "role",
    "operation_ids",
    "prefix",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
)


@app.command("list")
def list_(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """List tokens (never their secrets).

    Example: vtoc tokens list -o csv
    """
    with client() as api:
        render(list(api.tokens.iterate()), COLUMNS, output_format(output, as_json))


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who or what holds it.", show_default=False)],
    role: Annotated[Role, typer.Option(help="viewer reads, operator writes, admin manages.")] = (
        Role.viewer
    ),
    expires_at: Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")] = None,
    operation: ScopeOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Create a token; as a table the secret is printed alone on the last line.

    Example: TOKEN=$(vtoc tokens create --name n8n --role operator | tail -1)
    """
    from vtoc.schemas import TokenCreate

    data = TokenCreate.model_validate(
        {"name": name, "role": role, "expires_at": expires_at, "operations": operation}
    )
    with client() as api:
        created = api.create_token(data)
    fmt = output_format(output, as_json)
    if fmt is Format.table:
        typer.echo(f"created {created.role} token {created.name!r} (shown only once):", err=True)
        typer.echo(created.token)
    else:
        render_one(created, fmt)


@app.command()
def revoke(ref: Ref, yes: YesOpt = False) -> None:
    """Revoke a token by id or name; it stops working at once.

    Example: vtoc tokens revoke n8n --yes
    """
    if not yes:
        typer.confirm(f"Revoke token {ref}?", abort=True)
    with client() as api:
        token = api.revoke_token(ref)
    typer.echo(f"revoked token {token.name!r}", err=True)
