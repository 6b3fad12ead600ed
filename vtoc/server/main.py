"""The ASGI app uvicorn imports (one per worker process), configured from the environment."""

from vtoc.server.app import create_app

app = create_app()
