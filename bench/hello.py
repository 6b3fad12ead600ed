"""The baseline server: FastAPI on uvicorn doing nothing but answer.

Run as ``python -m bench.hello PORT WORKERS``, it listens the way ``vtoc server run`` does (a
TCP socket per worker, ``vtoc.server.listen``), so the baseline and vTOC differ only in the
application; ``uvicorn bench.hello:app --workers N`` is stock uvicorn, for comparison.
"""

import sys

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from vtoc.server.listen import shared_port

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    config = uvicorn.Config(
        "bench.hello:app", workers=workers, log_level="warning", access_log=False
    )
    Multiprocess(config, sockets=[shared_port("127.0.0.1", port, workers)]).run()
