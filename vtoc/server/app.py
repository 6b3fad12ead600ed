"""The FastAPI application: routers, error rendering, limits, health."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

import vtoc
from vtoc.config import ServerSettings
from vtoc.server import listen, metrics, problems, realtime
from vtoc.server.access import Front
from vtoc.server.api import (
    agents,
    assets,
    correlations,
    dashboard,
    events,
    ingest,
    intel,
    journal,
    missions,
    observability,
    operations,
    positions,
    sitrep,
    ssh,
    tasks,
    timeline,
    tokens,
    watch,
)
from vtoc.server.api.deps import DB_WORK
from vtoc.server.api.plain import solved_by
from vtoc.server.async_reads import AsyncReads
from vtoc.server.auth import TokenCache
from vtoc.server.db import make_engine, make_read_engine, make_sessionmaker
from vtoc.server.dispatch import dispatch_hot_routes
from vtoc.server.guards import Guards
from vtoc.server.hardening import RateLimiter
from vtoc.server.methods import PathMethods
from vtoc.server.openapi import document_problems
from vtoc.server.realtime.hub import Hub
from vtoc.server.track_keeper import TrackKeeper

API_PREFIX = "/api/v1"
#: ``/healthz``'s answer, serialized once: probes come often
HEALTHY = b'{"status":"ok"}'
#: FastAPI's own OpenTelemetry layer, off: it would ask the global providers on every request
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


async def healthz() -> Response:
    """The process is up."""
    return Response(HEALTHY, media_type="application/json")


async def healthz_solved(request: Request) -> Response:
    """``/healthz`` has nothing to solve or validate: FastAPI's request handler, skipped
    here, was a quarter of a probe's CPU."""
    return await healthz()


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    timeout = settings.db_statement_timeout_ms
    engine = make_engine(settings.database_url, statement_timeout_ms=timeout)
    read_engine = make_read_engine(settings.database_url, engine, statement_timeout_ms=timeout)
    metrics.watch_pool(engine)
    if read_engine is not engine:
        metrics.watch_pool(read_engine)
    DB_WORK.total_tokens = settings.db_threads
    sessions = make_sessionmaker(engine)
    read_sessions = make_sessionmaker(read_engine, reads=True)
    async_reads = (
        AsyncReads(settings.database_url, statement_timeout_ms=timeout)
        if engine.dialect.name == "postgresql"
        else None
    )
    hub = Hub(sessions, poll_seconds=settings.sse_poll_seconds)
    track_keeper = TrackKeeper(sessions, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Built now, not by the first request (~0.4 s): the access log's route templates
        # come from it, and the first delivery of a burst should not wait for it.
        app.openapi()
        listen.serving()
        if async_reads is not None:
            await async_reads.start()
        try:
            async with realtime.running(hub, engine), track_keeper.running():
                yield
        finally:
            if async_reads is not None:
                await async_reads.close()
        engine.dispose()
        read_engine.dispose()

    app = FastAPI(
        title="vTOC",
        version=vtoc.__version__,
        description="Tactical operations center API. Every route but health needs a token.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        telemetry=NO_NATIVE_TELEMETRY,  # spans come from ``vtoc.telemetry``'s own provider
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.read_engine = read_engine
    app.state.read_sessions = read_sessions
    app.state.async_reads = async_reads
    app.state.hub = hub
    app.state.track_keeper = track_keeper
    app.state.token_cache = TokenCache()
    hub.watch("token.", app.state.token_cache.clear)
    app.state.limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    problems.install(app)
    app.state.paths = PathMethods(app.routes)
    # Added innermost first: the request log sees every answer, limits come before parsing.
    app.add_middleware(
        Guards,  # body size limit, JSON guard, request timeout, the path's methods
        paths=app.state.paths,
        timeout_seconds=settings.request_timeout_seconds,
        json_depth=settings.max_json_depth,
        max_body_bytes=settings.max_body_bytes,
        batch_max_body_bytes=settings.ingest_max_body_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "Last-Event-ID",
                "X-Request-ID",
            ],
            expose_headers=["X-Request-ID", "Retry-After", "ETag"],
        )
    app.add_middleware(Front)  # request id, access log, metrics, security headers, shedding

    # Matched first: a request tries the routes in order, and probes come often.
    app.router.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        tags=["health"],
        response_model=dict[str, str],
        route_class_override=solved_by(healthz_solved),
    )

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

    # One module per resource (vtoc/server/api/), each with every route under its path. A
    # request tries the routes in this order (~10 µs each): the most read come first. Each is
    # included in the app itself, not under one /api/v1 router: FastAPI walks every router
    # below the one it matches in, twice a request (matching, then handling).
    resources = (intel, operations, missions, assets, tasks, agents, tokens, events)
    others = (correlations, dashboard, ingest, positions, journal, timeline, watch, ssh, sitrep)
    for module in (*resources, *others):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(tokens.identity_router, prefix=API_PREFIX)
    app.include_router(observability.router)
    document_problems(app)
    dispatch_hot_routes(app.router, app.state.paths)
    if settings.otlp_endpoint:
        from vtoc.telemetry import export_to, instrument_server

        instrument_server(app, export_to(settings.otlp_endpoint))

    return app
