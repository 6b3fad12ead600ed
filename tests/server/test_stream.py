"""The live event stream over a real uvicorn server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import httpx
import pytest
from httpx_sse import ServerSentEvent, aconnect_sse, connect_sse
from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.orm import Session

from tests.live import first_event_after_opening, serve
from tests.processes import free_port
from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, AuthError, VtocClient
from vtoc.config import ServerSettings
from vtoc.server import events
from vtoc.server.app import create_app
from vtoc.server.db import make_sessionmaker, on_postgres, utcnow
from vtoc.server.models import EventRow
from vtoc.server.realtime.hub import WINDOW
from vtoc.server.services.bulk import insert_rows

STREAM = "/api/v1/events/stream"
TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture
def live_for(settings: ServerSettings) -> Iterator[Callable[..., str]]:
    """Start real servers on the test database. The safety poll is slowed down to an hour so
    that only real wake-ups (NOTIFY, in-process) can deliver events within the test."""
    stack: list[Any] = []

    def start(**overrides: Any) -> str:
        tuned = {"sse_heartbeat_seconds": 15.0, "sse_poll_seconds": 3600.0, **overrides}
        ctx = serve(create_app(settings.model_copy(update=tuned)))
        stack.append(ctx)
        return ctx.__enter__()

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


@pytest.fixture
def live(live_for: Callable[..., str]) -> str:
    return live_for()


@pytest.fixture
def viewer_token(make_token: Callable[..., str]) -> str:
    return make_token(s.Role.viewer)


def append(engine: Engine, count: int, *, kind: str = "test.ping", per_tx: int = 1) -> None:
    """Append events straight through the outbox, ``per_tx`` per transaction."""
    sessions = make_sessionmaker(engine)
    for start in range(0, count, per_tx):
        with sessions.begin() as session:
            for i in range(start, min(count, start + per_tx)):
                events.record(
                    session, actor="test", kind=kind, entity="test", entity_id=i, data={"i": i}
                )


def table_ids(engine: Engine, kind: str | None = None) -> list[int]:
    with make_sessionmaker(engine)() as session:
        stmt = select(EventRow.id).order_by(EventRow.id)
        if kind:
            stmt = stmt.where(EventRow.kind == kind)
        return list(session.scalars(stmt))


def read_sse(
    url: str, *, count: int, token: str | None = None, **request: Any
) -> list[ServerSentEvent]:
    """The first ``count`` events (resume points skipped) of one raw stream."""
    headers = request.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    got: list[ServerSentEvent] = []
    with (
        httpx.Client(base_url=url, timeout=TIMEOUT) as http,
        connect_sse(http, "GET", STREAM, headers=headers, **request) as source,
    ):
        assert source.response.status_code == 200, source.response.read()
        for sse in source.iter_sse():
            if sse.data:
                got.append(sse)
                if len(got) == count:
                    break
    return got


def test_stream_needs_a_token_or_a_ticket(live: str) -> None:
    with httpx.Client(base_url=live, timeout=TIMEOUT) as http:
        for request in (
            {},
            {"headers": {"Authorization": "Bearer vtoc_not-a-token"}},
            {"params": {"ticket": "vtkt_made-up"}},
        ):
            response = http.get(STREAM, **request)
            assert response.status_code == 401, request
            assert response.headers["content-type"].startswith("application/problem+json")


def test_head_answers_with_the_headers_and_ends(live: str, viewer_token: str) -> None:
    """HEAD is a GET without the body: here the stream's headers, then the end (not an
    open stream, and not the 405 it was)."""
    auth = {"Authorization": f"Bearer {viewer_token}"}
    with httpx.Client(base_url=live, timeout=TIMEOUT, headers=auth) as http:
        head = http.head(STREAM)
        assert head.status_code == 200
        assert head.headers["content-type"].startswith("text/event-stream")
        assert head.content == b""
        assert http.get("/api/v1/events", params={"limit": 1}).status_code == 200


def test_each_event_carries_its_id_kind_and_json(
    live: str, viewer_token: str, admin: VtocClient, engine: Engine
) -> None:
    operation = admin.operations.create(name="Night Watch")
    stored = table_ids(engine)  # two tokens created, then the operation
    got = read_sse(live, count=len(stored), token=viewer_token, params={"after": 0})
    assert [int(sse.id) for sse in got] == stored
    created = s.Event.model_validate_json(got[-1].data)
    assert got[-1].event == "operation.created" == created.kind
    assert (created.entity, created.entity_id) == ("operation", operation.id)


def test_the_stream_sends_each_event_as_the_event_log_api_does(
    live: str, viewer_token: str, admin: VtocClient, engine: Engine
) -> None:
    """The stream builds its JSON from the table's columns (every server process encodes
    every event); it must be the ``Event`` schema's JSON, byte for byte."""
    with make_sessionmaker(engine).begin() as session:
        events.record(
            session,
            actor="Zoë",
            kind="intel.updated",
            entity="intel",
            entity_id=7,
            data={"title": "Überwachung — 東京", "nested": {"ok": [1, 2.5, None, True]}},
        )
        events.record(
            session, actor="agent:monitor", kind="test.ping", entity="test", entity_id=None, data={}
        )
    logged = admin.events.list(after=0, limit=500).items
    got = read_sse(live, count=len(logged), token=viewer_token, params={"after": 0})
    assert [sse.data for sse in got] == [event.model_dump_json() for event in logged]
    assert [(sse.id, sse.event) for sse in got] == [(str(e.id), e.kind) for e in logged]


def test_a_write_reaches_an_open_stream_without_waiting_for_the_poll(
    live: str, viewer_token: str, operator: VtocClient
) -> None:
    got, operation = first_event_after_opening(
        live, viewer_token, lambda: operator.operations.create(name="Live Wire"), "operation."
    )
    assert [(e.kind, e.entity_id) for e in got] == [("operation.created", operation.id)]


def test_reconnect_with_last_event_id_gets_every_event_exactly_once(
    live: str, viewer_token: str, engine: Engine
) -> None:
    append(engine, 5)
    first = read_sse(live, count=3, token=viewer_token, params={"after": 0})
    # The connection is gone (closed after three events); the world moves on.
    append(engine, 4)
    stored = table_ids(engine)
    resumed = read_sse(
        live, count=len(stored) - 3, token=viewer_token, headers={"Last-Event-ID": first[-1].id}
    )
    assert [int(e.id) for e in first + resumed] == stored


def test_last_event_id_must_be_an_id(live: str, viewer_token: str) -> None:
    with httpx.Client(base_url=live, timeout=TIMEOUT) as http:
        response = http.get(
            STREAM,
            headers={"Authorization": f"Bearer {viewer_token}", "Last-Event-ID": "yesterday"},
        )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Last-Event-ID"


def test_a_filter_with_nul_is_refused_by_field_as_the_event_log_does(
    live: str, viewer_token: str
) -> None:
    """On PostgreSQL the stream answered 200, then cut itself on the filter's first query
    (the SPA would reconnect every second)."""
    with httpx.Client(base_url=live, timeout=TIMEOUT) as http:
        for params, field in (({"entity": "\x00"}, "entity"), ({"kind": "op\x00"}, "kind")):
            response = http.get(
                STREAM,
                params={"after": 0, **params},
                headers={"Authorization": f"Bearer {viewer_token}"},
            )
            assert response.status_code == 422, params
            assert response.json()["errors"][0]["field"].startswith(field)


def test_filters_apply_to_the_backlog_and_to_live_events(
    live: str, viewer_token: str, engine: Engine, operator: VtocClient
) -> None:
    append(engine, 3, kind="intel.created")
    append(engine, 3, kind="asset.updated")
    op = operator.operations.create(name="Filtered")
    with VtocClient(live, viewer_token) as reader:
        stream = reader.stream_events(after=0, kinds=["intel.", "operation."])
        backlog = [next(stream) for _ in range(4)]
        append(engine, 2, kind="asset.updated")
        append(engine, 1, kind="intel.updated")
        live_one = next(stream)
        stream.close()
        by_op = reader.stream_events(after=0, operation_id=op.id)
        only = next(by_op)
        by_op.close()
    assert [e.kind for e in backlog] == ["intel.created"] * 3 + ["operation.created"]
    assert live_one.kind == "intel.updated"
    assert (only.kind, only.operation_id) == ("operation.created", op.id)


def test_concurrent_writers_never_make_the_reader_skip(
    live: str, viewer_token: str, make_token: Callable[..., str], engine: Engine
) -> None:
    writers, per_writer = 8, 12
    token = make_token(s.Role.operator)
    start = max(table_ids(engine))

    def write(n: int) -> None:
        with VtocClient(live, token) as client:
            for i in range(per_writer):
                client.assets.create(name=f"unit-{n}-{i}", kind="vehicle")

    with VtocClient(live, viewer_token) as reader:
        stream = reader.stream_events(after=start, kinds=["asset."])
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(write, range(writers)))
        seen = [next(stream).id for _ in range(writers * per_writer)]
        stream.close()
    assert seen == sorted(set(seen)), "ids must be strictly increasing"
    assert set(seen) == set(table_ids(engine, "asset.created"))


def test_two_hundred_subscribers_all_get_a_burst_of_a_hundred(
    live: str, viewer_token: str, engine: Engine
) -> None:
    subscribers, burst = 200, 100

    async def scenario() -> list[list[int]]:
        limits = httpx.Limits(max_connections=subscribers + 10)
        headers = {"Authorization": f"Bearer {viewer_token}"}
        async with httpx.AsyncClient(base_url=live, timeout=TIMEOUT, limits=limits) as http:
            ready = asyncio.Semaphore(0)

            async def subscribe() -> list[int]:
                ids: list[int] = []
                async with aconnect_sse(http, "GET", STREAM, headers=headers) as source:
                    async for sse in source.aiter_sse():
                        if not sse.data:
                            ready.release()  # the resume point: the stream is open
                            continue
                        ids.append(int(sse.id))
                        if len(ids) == burst:
                            return ids
                return ids

            tasks = [asyncio.create_task(subscribe()) for _ in range(subscribers)]
            for _ in range(subscribers):
                await asyncio.wait_for(ready.acquire(), 30)
            await asyncio.to_thread(append, engine, burst, per_tx=5)
            return await asyncio.wait_for(asyncio.gather(*tasks), 60)

    results = asyncio.run(scenario())
    expected = table_ids(engine, "test.ping")
    assert len(expected) == burst
    assert all(ids == expected for ids in results)


def test_a_reader_behind_the_memory_window_catches_up_from_the_table(
    live: str, viewer_token: str, engine: Engine
) -> None:
    start = max(table_ids(engine))
    append(engine, WINDOW + 300, per_tx=WINDOW + 300)  # one huge transaction
    got = read_sse(live, count=WINDOW + 300, token=viewer_token, params={"after": start})
    assert [int(e.id) for e in got] == table_ids(engine, "test.ping")


def test_idle_streams_get_comment_heartbeats(
    live_for: Callable[..., str], viewer_token: str
) -> None:
    url = live_for(sse_heartbeat_seconds=0.2)
    with (
        httpx.Client(base_url=url, timeout=TIMEOUT) as http,
        http.stream("GET", STREAM, headers={"Authorization": f"Bearer {viewer_token}"}) as r,
    ):
        comments = []
        for line in r.iter_lines():
            if line.startswith(":"):
                comments.append(line)
                if len(comments) == 2:
                    break
    assert all("ping" in c for c in comments)


# Tickets ---------------------------------------------------------------------------------


def ticket_for(url: str, token: str) -> s.EventTicket:
    with VtocClient(url, token) as client:
        return client.event_ticket()


def open_with_ticket(url: str, ticket: str) -> int:
    with (
        httpx.Client(base_url=url, timeout=TIMEOUT) as http,
        http.stream("GET", STREAM, params={"ticket": ticket, "after": 0}) as response,
    ):
        return response.status_code


def test_a_ticket_opens_the_stream_once(live: str, viewer_token: str) -> None:
    ticket = ticket_for(live, viewer_token)
    got = read_sse(live, count=1, params={"ticket": ticket.ticket, "after": 0})
    assert s.Event.model_validate_json(got[0].data).kind == "token.created"
    assert open_with_ticket(live, ticket.ticket) == 401


def test_a_ticket_expires(live_for: Callable[..., str], viewer_token: str) -> None:
    url = live_for(event_ticket_seconds=1)
    ticket = ticket_for(url, viewer_token)
    time.sleep(1.2)
    assert open_with_ticket(url, ticket.ticket) == 401


def test_a_ticket_dies_with_its_token(live: str, viewer_token: str, admin: VtocClient) -> None:
    ticket = ticket_for(live, viewer_token)
    holder = next(t for t in admin.tokens.list().items if t.role is s.Role.viewer)
    admin.revoke_token(holder.id)
    assert open_with_ticket(live, ticket.ticket) == 401


def test_racing_redemptions_of_one_ticket_let_exactly_one_in(
    live_for: Callable[..., str], viewer_token: str
) -> None:
    replicas = [live_for(), live_for()]
    ticket = ticket_for(replicas[0], viewer_token)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: open_with_ticket(replicas[i % 2], ticket.ticket), range(8)))
    assert sorted(codes) == [200] + [401] * 7


def test_the_async_client_resumes_across_a_server_restart(
    settings: ServerSettings, viewer_token: str, engine: Engine
) -> None:
    port = free_port()
    tuned = settings.model_copy(update={"sse_poll_seconds": 60.0})
    append(engine, 3)

    async def scenario() -> list[int]:
        got: list[int] = []
        with serve(create_app(tuned), port) as url:
            client = AsyncVtocClient(url, viewer_token)
            stream = client.stream_events(after=0, kinds=["test."])
            got += [(await anext(stream)).id for _ in range(3)]
            reading = asyncio.create_task(anext(stream))
            await asyncio.sleep(0.2)
        append(engine, 4)  # written while no server runs
        with serve(create_app(tuned), port):
            got.append((await asyncio.wait_for(reading, 20)).id)
            got += [(await anext(stream)).id for _ in range(3)]
        await stream.aclose()
        await client.aclose()
        return got

    assert asyncio.run(scenario()) == table_ids(engine, "test.ping")


def test_the_client_raises_on_a_refused_token(live: str) -> None:
    with VtocClient(live, "vtoc_wrong") as client, pytest.raises(AuthError):
        next(client.stream_events())


def test_a_server_without_subscribers_reads_new_events_without_reading_the_whole_log(
    session: Session,
) -> None:
    # Each server process reads what is new at every commit, subscribers or not. On a log
    # PostgreSQL has no statistics for yet (it grew faster than autovacuum analyzes it),
    # an open range ``id > head`` was planned as a scan of every event, at every commit.
    if not on_postgres(session):
        pytest.skip("a query plan of PostgreSQL's")
    now = utcnow()
    rows = [
        {"ts": now, "actor": "t", "kind": "intel.created", "entity": "intel", "entity_id": n}
        | {"operation_id": None, "data": {}}
        for n in range(20_000)
    ]
    insert_rows(session, cast(Table, EventRow.__table__), rows)
    head = session.scalar(select(func.max(EventRow.id))) or 0
    statement = events.stubs_query(head - 500).compile(
        session.get_bind(), compile_kwargs={"literal_binds": True}
    )
    plan = "\n".join(session.scalars(text(f"EXPLAIN {statement}")))
    assert "Seq Scan" not in plan, plan
    assert [(stub.id, stub.kind) for stub in events.stubs_after(session, after=head - 500)] == [
        (head, "intel.created")
    ]
