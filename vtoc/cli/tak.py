"""``vtoc tak``: the gateway between TAK clients (ATAK, WinTAK, iTAK) and vTOC."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.errors import EXIT_AUTH, EXIT_USAGE, fail
from vtoc.cli.params import port_option

app = typer.Typer(help="TAK clients: Cursor-on-Target in and out.", no_args_is_help=True)


def say(message: str) -> None:
    from vtoc.terminal import printable

    typer.echo(printable(message), err=True)


@app.command()
def serve(
    port: Annotated[
        int | None,
        port_option("TCP port for CoT streams, in and out (default: 8087; 8089 with TLS)."),
    ] = None,
    udp_port: Annotated[
        int, port_option("UDP port for CoT datagrams (in; the SA group's).")
    ] = 6969,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    allow: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NETWORK",
            help="Admit peers from this network (repeatable, e.g. 10.0.0.0/8). Default: "
            "loopback only, and with TLS any client whose certificate --tls-ca signed.",
        ),
    ] = None,
    tls_cert: Annotated[
        str | None,
        typer.Option(
            help="Certificate (PEM, or a TAK .p12 with its key): the stream is TLS, clients "
            "need certificates."
        ),
    ] = None,
    tls_key: Annotated[
        str | None, typer.Option(help="PEM private key of a PEM --tls-cert.")
    ] = None,
    tls_ca: Annotated[
        str | None,
        typer.Option(
            help="CA that signs the clients' (and TAK server's) certificates: PEM, or a "
            ".p12 trust store."
        ),
    ] = None,
    tls_password: Annotated[
        str | None,
        typer.Option(
            envvar="VTOC_TAK_TLS_PASSWORD",
            help="Password of .p12 files (TAK's default is atakatak).",
        ),
    ] = None,
    multicast: Annotated[
        bool,
        typer.Option(
            "--multicast",
            help="Join TAK's SA group 239.2.3.1 on --udp-port: take and send CoT there.",
        ),
    ] = False,
    multicast_interface: Annotated[
        str, typer.Option(help="Address of the interface for the SA group (0.0.0.0: the kernel's).")
    ] = "0.0.0.0",
    tak_server: Annotated[
        str | None,
        typer.Option(
            help="Also connect to a TAK server: HOST:PORT or tcp://, tls:// (TLS uses --tls-*)."
        ),
    ] = None,
    create_assets: Annotated[
        bool, typer.Option("--create-assets", help="Register assets CoT names that vTOC lacks.")
    ] = False,
    refresh: Annotated[
        float, typer.Option(min=1, help="Seconds between resending every asset (stale: 2x).")
    ] = 60.0,
) -> None:
    """Take CoT position reports as fixes; send vTOC's assets to every TAK client.

    Example: vtoc tak serve --allow 10.0.0.0/8 --multicast --create-assets
    """
    import asyncio
    import ssl

    from vtoc.cli.session import context
    from vtoc.client import AsyncVtocClient, AuthError, VtocError
    from vtoc.tak.gateway import Gateway, Listen, serve
    from vtoc.tak.trust import (
        CertificateError,
        client_context,
        is_pkcs12,
        network_of,
        server_context,
    )

    if tls_key is not None and tls_cert is None:
        fail("--tls-key: needs --tls-cert", EXIT_USAGE)
    if tls_cert is not None and tls_ca is None:
        fail(
            "--tls-ca: needed with --tls-cert (clients' certificates are checked against it)",
            EXIT_USAGE,
        )
    try:
        allowed = [network_of(text) for text in allow] if allow else None
        uplink = tak_server_of(tak_server) if tak_server else None
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        if tls_cert is not None and tls_key is None and not is_pkcs12(tls_cert):
            fail("--tls-key: needed with a PEM --tls-cert (a .p12 holds its key)", EXIT_USAGE)
        tls = (
            server_context(tls_cert, tls_key, tls_ca, tls_password) if tls_cert and tls_ca else None
        )
        out_tls = (
            client_context(tls_cert, tls_key, tls_ca, tls_password)
            if uplink and uplink[2]
            else None
        )
    except (OSError, ssl.SSLError, CertificateError) as exc:
        fail(f"TLS: cannot load the certificates: {exc}")
    listen = Listen(
        host,
        port or (8089 if tls else 8087),
        udp_port,
        multicast_interface if multicast else None,
        (uplink[0], uplink[1], out_tls) if uplink else None,
    )
    ctx = context()

    async def run() -> None:
        async with AsyncVtocClient(ctx.api_url, ctx.token) as api:
            gateway = Gateway(
                api, say, create_assets=create_assets, refresh=refresh, allowed=allowed, tls=tls
            )
            scheme = "tls" if tls else "tcp"
            await serve(
                gateway, listen, lambda: say(f"TAK gateway on {scheme} {host}:{listen.port}")
            )

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


def tak_server_of(text: str) -> tuple[str, int, bool]:
    """``HOST:PORT``, ``tcp://HOST:PORT`` or ``tls://HOST:PORT``: host, port, and TLS or not."""
    scheme, _, rest = text.rpartition("://")
    if scheme not in ("", "tcp", "tls"):
        raise ValueError(f"--tak-server {text!r}: the scheme is tcp:// or tls://")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tak-server {text!r}: give HOST:PORT (e.g. tak.example.org:8089)")
    return host.strip("[]"), int(port), scheme == "tls"
