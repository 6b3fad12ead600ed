"""The ASGI app uvicorn imports (one per worker process), configured from the environment."""

import gc

from vtoc.config import ServerSettings
from vtoc.server import logs
from vtoc.server.app import create_app

settings = ServerSettings()
logs.configure(settings.log_format, settings.log_level)
app = create_app(settings)
# The garbage collector was a tenth of a worker's CPU under load (docs/benchmarks.md). What
# the worker has built by now (modules, models, routes: ~150,000 objects) lives as long as
# the process, so no full collection walks it again; and a collection of the young waits
# for 10,000 new objects, not 700, which 50 requests in flight reached every ten requests,
# while the garbage of requests is almost all freed at once by reference counting.
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
