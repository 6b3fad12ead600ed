"""The fair baseline: the lean stack answering vTOC's hot routes with vTOC's own SQL.

FastAPI on uvicorn (uvloop, httptools) with an asyncpg pool, no middleware, no auth: the
same statements vTOC's PostgreSQL path sends (``services/intel_json.py`` for show and list,
an INSERT plus its event row through ``events.APPEND_AND_NOTIFY`` in one transaction for a
write), the same bytes back, the same worker count, listening as vTOC listens
(``vtoc.server.listen``). What vTOC spends beyond this is its own machinery, not the
database's work.

Run as ``python -m bench.lean PORT WORKERS DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request, Response
from sqlalchemy import select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from vtoc import schemas as s
from vtoc.server.async_reads import POOL_SIZE, keep_session
from vtoc.server.events import APPEND_AND_NOTIFY, EVENT_APPEND_LOCK, NOTIFY_CHANNEL
from vtoc.server.models import IntelReport
from vtoc.server.services import intel_json

DIALECT = PGDialect_asyncpg()
JSON = "application/json"


def compiled(stmt: Any) -> tuple[str, list[Any]]:
    """A statement as asyncpg takes it: ``$n`` placeholders and their values in order."""
    done = stmt.compile(dialect=DIALECT)
    return str(done), [done.params[name] for name in done.positiontup or ()]


def show_sql() -> str:
    sql, _ = compiled(intel_json.SHOW)
    return sql


def page_sql(limit: int) -> tuple[str, list[Any]]:
    """The statement vTOC sends for an unfiltered first page (``intel_json.page_statement``)."""
    return compiled(
        intel_json.page_statement(select(IntelReport), limit=limit, cursor=None, raw=False)
    )


SHOW = show_sql()
APPEND = str(APPEND_AND_NOTIFY).replace(":key", "$1").replace(":channel", "$2")
APPEND = APPEND.replace(":rows", "$3")
CREATE = (
    "INSERT INTO operations (code, name, description, status, priority, version, "
    "created_at, updated_at) VALUES ($1, $2, $3, 'planned', 'medium', 1, $4, $4) "
    "RETURNING id, code, name, description, status, priority, commander, start_at, end_at, "
    "created_at, updated_at, version"
)


def create_app(database_url: str) -> FastAPI:
    pool: asyncpg.Pool | None = None
    pages: dict[int, tuple[str, list[Any]]] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        nonlocal pool
        # vTOC's asyncpg pool's size, and like it no reset round trip on release: beside
        # vTOC's own pools, 30 a worker ran PostgreSQL out of connections (100)
        pool = await asyncpg.create_pool(
            database_url, min_size=POOL_SIZE, max_size=POOL_SIZE, reset=keep_session
        )
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        assert pool is not None
        await pool.fetchval("SELECT 1")
        return {"status": "ok"}

    @app.get("/api/v1/intel/{report_id}")
    async def show(report_id: int) -> Response:
        assert pool is not None
        found = await pool.fetchval(SHOW, report_id)
        if found is None:
            return Response(b'{"detail":"not found"}', status_code=404, media_type=JSON)
        return Response(found.encode(), media_type=JSON)

    @app.get("/api/v1/intel")
    async def listing(limit: int = 50) -> Response:
        assert pool is not None
        if limit not in pages:
            pages[limit] = page_sql(limit)
        sql, params = pages[limit]
        found = await pool.fetchrow(sql, *params)
        return Response(intel_json.page_body(found, limit=limit), media_type=JSON)

    @app.post("/api/v1/operations", status_code=201)
    async def create(request: Request) -> Response:
        assert pool is not None
        data = s.OperationCreate.model_validate_json(await request.body())
        now = datetime.now(UTC)
        async with pool.acquire() as conn, conn.transaction():
            row = dict(
                await conn.fetchrow(
                    CREATE, f"L-{uuid.uuid4().hex[:12]}", data.name, data.description, now
                )
            )
            event = {
                "ts": now.isoformat(),
                "actor": "lean",
                "kind": "operation.created",
                "entity": "operation",
                "entity_id": row["id"],
                "operation_id": row["id"],
                "data": row,
            }
            rows = json.dumps([event], default=datetime.isoformat)
            await conn.execute(APPEND, EVENT_APPEND_LOCK, NOTIFY_CHANNEL, rows)
        return Response(orjson.dumps(row), status_code=201, media_type=JSON)

    return app


def asyncpg_url(url: str) -> str:
    """asyncpg takes ``postgresql://``, not SQLAlchemy's ``postgresql+driver://``."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


def app_from_environment() -> FastAPI:
    """uvicorn's factory in each worker: the database comes from the parent's argument."""
    return create_app(asyncpg_url(os.environ["BENCH_LEAN_DATABASE_URL"]))


if __name__ == "__main__":
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from vtoc.server.listen import shared_port

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    os.environ["BENCH_LEAN_DATABASE_URL"] = sys.argv[3]
    config = uvicorn.Config(
        "bench.lean:app_from_environment",
        factory=True,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[shared_port("127.0.0.1", port, workers)]).run()
