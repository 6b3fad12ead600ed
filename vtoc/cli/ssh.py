"""``vtoc ssh``: keys enrolled for SSH access (admin), and the SSH server itself."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vtoc.cli.output import Format, columns, render, render_one
from vtoc.cli.params import (
    JsonOpt,
    OutputOpt,
    Ref,
    ScopeOpt,
    YesOpt,
    output_format,
    port_option,
)
from vtoc.cli.session import client
from vtoc.schemas import Role

app = typer.Typer(
    help="SSH access: the TUI and CLI over SSH, one identity per key.", no_args_is_help=True
)
keys = typer.Typer(help="Public keys enrolled for SSH: add, list, revoke.", no_args_is_help=True)
app.add_typer(keys, name="keys")
COLUMNS = columns("id", "name", "role", "operation_ids", "fingerprint", "created_at", "revoked_at")


@keys.command()
def add(
    name: Annotated[str, typer.Option(help="Whose key: their name in the audit log.")],
    role: Annotated[Role, typer.Option(help="viewer reads, operator writes, admin manages.")] = (
        Role.viewer
    ),
    operation: ScopeOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Enrol the OpenSSH public key read from stdin.

    Example: vtoc ssh keys add --name alice --role operator --operation OP-0001 < alice.pub
    """
    from vtoc.schemas import SshKeyCreate

    fields = {"name": name, "role": role, "operations": operation}
    data = SshKeyCreate.model_validate({**fields, "public_key": sys.stdin.read()})
    with client() as api:
        key = api.enroll_ssh_key(data)
    render_one(key, output_format(output, as_json))


@keys.command("list")
def list_(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """List enrolled keys, revoked ones too.

    Example: vtoc ssh keys list -o json
    """
    with client() as api:
        render(list(api.ssh_keys.iterate()), COLUMNS, output_format(output, as_json))


@keys.command()
def revoke(ref: Ref, yes: YesOpt = False) -> None:
    """Revoke a key by id or name: new SSH sessions with it are refused.

    Example: vtoc ssh keys revoke alice --yes
    """
    if not yes:
        typer.confirm(f"Revoke SSH key {ref}?", abort=True)
    with client() as api:
        key = api.revoke_ssh_key(ref)
    typer.echo(f"revoked SSH key {key.name!r} ({key.fingerprint})", err=True)


@app.command()
def serve(
    port: Annotated[int, port_option("TCP port to listen on.")] = 2222,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    max_sessions: Annotated[
        int, typer.Option(min=1, help="Sessions open at once, all keys together.")
    ] = 50,
    max_sessions_per_key: Annotated[
        int, typer.Option(min=1, help="Sessions open at once per key.")
    ] = 5,
    idle_timeout: Annotated[
        float,
        typer.Option(min=0, help="Seconds without input before a session is closed; 0: never."),
    ] = 3600,
) -> None:
    """Serve the TUI (interactive sessions) and the CLI (exec requests) over SSH to
    enrolled keys, with this context's admin token minting each session's token.

    Example: vtoc ssh serve --port 2222 --idle-timeout 900
    """
    from vtoc.cli.errors import EXIT_AUTH, fail
    from vtoc.cli.session import context
    from vtoc.ssh.limits import SessionLimits
    from vtoc.ssh.server import Policy, serve_forever

    def ready() -> None:
        typer.echo(f"vtoc ssh: listening on {host}:{port}", err=True)

    limits = SessionLimits(total=max_sessions, per_key=max_sessions_per_key)
    policy = Policy(limits=limits, idle_timeout=idle_timeout)
    try:
        serve_forever(context(), host=host, port=port, policy=policy, ready=ready)
    except PermissionError as exc:
        fail(str(exc), EXIT_AUTH)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
