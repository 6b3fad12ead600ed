"""The web part of ``vtoc up --web``: the API in a thread, Traefik and the SPA in front."""

from __future__ import annotations

import threading
import time

import typer


def serve_with_web(api_url: str, *, port: int, web_port: int) -> None:
    """Serve the API on ``port`` and the whole stack on ``web_port`` until Ctrl-C."""
    import uvicorn

    from vtoc.cli.errors import fail
    from vtoc.web.stack import WebStackError, start_web_stack

    app = "vtoc.server.main:app"
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with start_web_stack(api_url, port=web_port) as stack:
            typer.echo(f"vTOC in the browser: {stack.url}  (sign in with the token)", err=True)
            while thread.is_alive():
                time.sleep(0.5)
    except WebStackError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
