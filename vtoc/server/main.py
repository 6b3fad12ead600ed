"""The ASGI app uvicorn imports (one per worker process), configured from the environment."""

from vtoc.config import ServerSettings
from vtoc.server import logs
from vtoc.server.app import create_app

settings = ServerSettings()
logs.configure(settings.log_format, settings.log_level)
app = create_app(settings)
