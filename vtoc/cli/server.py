"""``vtoc server``: run, migrate, and mint tokens straight into the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from vtoc.cli.params import ScopeOpt, port_option
from vtoc.schemas import Role

if TYPE_CHECKING:
    from vtoc.config import ServerSettings

#: the ASGI app each worker process imports
APP = "vtoc.server.main:app"

app = typer.Typer(help="Run and administer the API server.", no_args_is_help=True)
token_app = typer.Typer(help="Tokens written straight to the database.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def load_settings() -> ServerSettings:
    """The server's settings, or a one-line error naming the bad ones (placeholder secrets…)."""
    from pydantic import ValidationError

    from vtoc.cli.errors import fail
    from vtoc.config import ServerSettings
    from vtoc.validation import message

    try:
        return ServerSettings()
    except ValidationError as exc:
        fail("; ".join(map(message, exc.errors())))


@app.command()
def migrate() -> None:
    """Create or upgrade the schema of the database named by VTOC_DATABASE_URL.

    Example: VTOC_DATABASE_URL=postgresql://postgres@127.0.0.1/vtoc vtoc server migrate
    """
    from vtoc.server.db import make_engine
    from vtoc.server.migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    typer.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")
    engine.dispose()


@app.command("run")
def run_server(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, port_option("Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema before serving.")
    ] = True,
) -> None:
    """Serve the API (and its docs at /api/docs).

    Example: VTOC_DATABASE_URL=postgresql://postgres@127.0.0.1/vtoc vtoc server run --workers 2
    """
    import uvicorn

    from vtoc.cli.errors import fail
    from vtoc.server import logs

    settings = load_settings()
    unsafe = settings.unsafe_for(workers=workers)
    if unsafe:
        fail(unsafe)
    if workers > 1:
        prepare_multiprocess_metrics()
    logs.configure(settings.log_format, settings.log_level)
    if migrate_first:
        migrate()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        "timeout_keep_alive": settings.keep_alive_seconds,
        # uvicorn's standard extras, named so that a missing one fails here, not silently:
        # on the plain asyncio loop and h11, a bare answer cost ~4x the CPU
        "loop": "uvloop",
        "http": "httptools",
    }
    if workers == 1:
        uvicorn.run(APP, **options)
        return
    from uvicorn.supervisors import Multiprocess

    from vtoc.server.listen import shared_port

    # Several workers share one listener that hands each new connection to the worker
    # holding the fewest (vtoc.server.listen): on uvloop, which would accept in libuv and
    # never count a connection, the listener is served by the loop's own acceptor.
    options["loop"] = "vtoc.server.listen:BalancedLoop"

    try:
        sock = shared_port(host, port, workers)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    Multiprocess(uvicorn.Config(APP, workers=workers, **options), sockets=[sock]).run()


def prepare_multiprocess_metrics() -> None:
    """Workers share metrics through files; start from an empty directory every run."""
    import os
    import shutil
    import tempfile

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory is None:
        directory = tempfile.mkdtemp(prefix="vtoc-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    else:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what holds the token.")],
    role: Annotated[Role, typer.Option(help="viewer reads, operator writes, admin manages.")] = (
        Role.viewer
    ),
    operation: ScopeOpt = None,
) -> None:
    """Create a token and print it alone on the last line (it is shown only once).

    Example: TOKEN=$(vtoc server token create --name ops-admin --role admin | tail -1)
    Example: vtoc server token create --name liaison --operation OP-0001
    """
    from vtoc.cli.errors import fail
    from vtoc.schemas import TokenCreate
    from vtoc.server.bootstrap import create_token
    from vtoc.server.errors import DomainError

    try:
        created = create_token(TokenCreate(name=name, role=role, operations=operation))
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(f"created {created.role} token {created.name!r} (prefix {created.prefix})", err=True)
    typer.echo(created.token)
