"""The FastAPI application: routers, error rendering, limits, health."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

import vtoc
from vtoc.config import ServerSettings
from vtoc.server import problems, realtime
from vtoc.server.api import admin, dashboard, ingest, resources, runtime, stream
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.limits import BodySizeLimit
from vtoc.server.realtime.hub import Hub

API_PREFIX = "/api/v1"


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    hub = Hub(sessions, poll_seconds=settings.sse_poll_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with realtime.running(hub, engine):
            yield
        engine.dispose()

    app = FastAPI(
        title="vTOC",
        version=vtoc.__version__,
        description="Tactical operations center API. Every route but health needs a token.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.hub = hub
    problems.install(app)
    app.add_middleware(
        BodySizeLimit, limit=settings.max_body_bytes, ingest_limit=settings.ingest_max_body_bytes
    )

    api = APIRouter(prefix=API_PREFIX)
    resources.include(api)
    admin.include(api)
    dashboard.include(api)
    runtime.include(api)
    stream.include(api)
    api.include_router(ingest.router)
    app.include_router(api)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """The database answers."""
        try:
            with engine.connect() as conn:
                started = time.perf_counter()
                conn.execute(text("SELECT 1"))
                latency_ms = (time.perf_counter() - started) * 1000
        except Exception as exc:  # any driver error means "not ready"
            return problems.problem(503, "Not ready", f"database: {type(exc).__name__}")
        return JSONResponse(
            {"status": "ok", "database": engine.dialect.name, "db_latency_ms": latency_ms}
        )

    return app
