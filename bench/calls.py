"""`python -m bench.calls`: Python function calls and CPU per request of the hot reads
(GET /intel/{id}, GET /intel?limit=50), the app called in-process under cProfile on
PostgreSQL with 2,000 reports and an unscoped admin token. The call count does not move with
the machine's load, so it compares code where req/s on a shared machine cannot."""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from typing import Any

from sqlalchemy.orm import Session

from bench.common import drop_database, fresh_database

REQUESTS, WARM_UP = 500, 200
DATABASE = "vtoc_bench_calls"


async def profile(url: str) -> None:
    from bench.datagen import load_reports
    from vtoc.config import ServerSettings
    from vtoc.schemas import Role, TokenCreate
    from vtoc.server.app import create_app
    from vtoc.server.db import make_engine
    from vtoc.server.services import tokens

    engine = make_engine(url)
    ids = load_reports(engine, 2000)
    with Session(engine) as session:
        made = tokens.create(session, actor="bench", data=TokenCreate(name="a", role=Role.admin))
        session.commit()
    engine.dispose()
    app = create_app(ServerSettings(database_url=url))
    bearer = f"Bearer {made.token}".encode()

    async def get(target: str, profiler: cProfile.Profile | None = None) -> int:
        path, _, query = target.partition("?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"bench"), (b"authorization", bearer)],
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
            "state": {},
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        if profiler:
            profiler.enable()
        await app(scope, receive, send)
        if profiler:
            profiler.disable()
        return int(sent[0]["status"])

    async with app.router.lifespan_context(app):
        for label, target in (
            ("GET /intel/{id}", f"/api/v1/intel/{ids[len(ids) // 2]}"),
            ("GET /intel?limit=50", "/api/v1/intel?limit=50"),
        ):
            for _ in range(WARM_UP):
                assert await get(target) == 200
            profiler = cProfile.Profile()
            started = time.process_time()
            for _ in range(REQUESTS):
                await get(target, profiler)
            cpu = (time.process_time() - started) / REQUESTS
            stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            calls = sum(entry[1] for entry in stats.values()) / REQUESTS
            sys.stdout.write(f"{label}: {calls:,.0f} calls, {cpu * 1e6:,.0f} µs CPU per request\n")
    app.state.engine.dispose()
    app.state.read_engine.dispose()


def main() -> None:
    try:
        asyncio.run(profile(fresh_database(DATABASE)))
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
