"""``vtoc tak``: the gateway between TAK clients (ATAK, WinTAK, iTAK) and vTOC."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.errors import EXIT_AUTH, fail

app = typer.Typer(help="TAK clients: Cursor-on-Target in and out.", no_args_is_help=True)


def say(message: str) -> None:
    from vtoc.terminal import printable

    typer.echo(printable(message), err=True)


@app.command()
def serve(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="TCP port for CoT streams (in and out).")
    ] = 8087,
    udp_port: Annotated[
        int, typer.Option(min=1, max=65535, help="UDP port for CoT datagrams (in).")
    ] = 6969,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    create_assets: Annotated[
        bool, typer.Option("--create-assets", help="Register assets CoT names that vTOC lacks.")
    ] = False,
    refresh: Annotated[
        float, typer.Option(min=1, help="Seconds between resending every asset (stale: 2x).")
    ] = 60.0,
) -> None:
    """Take CoT position reports as fixes; send vTOC's assets to every TCP client.

    Example: vtoc tak serve --port 8087 --udp-port 6969 --create-assets
    """
    import asyncio

    from vtoc.cli.session import context
    from vtoc.client import AsyncVtocClient, AuthError, VtocError
    from vtoc.tak.gateway import Gateway, serve

    ctx = context()

    async def run() -> None:
        async with AsyncVtocClient(ctx.api_url, ctx.token) as api:
            gateway = Gateway(api, say, create_assets=create_assets, refresh=refresh)
            await serve(gateway, host, port, udp_port, lambda: say(f"TAK gateway on {host}:{port}"))

    try:
        asyncio.run(run())
    except AuthError as exc:
        fail(exc.message, EXIT_AUTH)
    except VtocError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"cannot listen: {exc}")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
